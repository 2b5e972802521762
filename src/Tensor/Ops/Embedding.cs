using System.Numerics;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;
using ViewI = ILGPU.ArrayView<int>;

namespace HyenaIL;

// Embedding lookup: y[s, :] = W[ids[s], :], W (V, D), ids int32 of any shape S, y (S..., D).
// Backward: dW[v, :] = Σ_{s: ids[s] = v} dy[s, :]  (scatter-add; deterministic on the CPU, atomic adds on a GPU).

public static partial class Ops
{
    public static Tensor Embedding(Tensor weight, Tensor ids)
    {
        const string op = "Embedding";
        Check.Float(op, weight, "weight");
        Check.Int(op, ids, "ids");
        Check.SameDevice(op, weight, ids, "weight", "ids");
        Check.Rank(op, weight, 2, "weight");
        int v = weight.Shape[0], d = weight.Shape[1];
        CheckIds(op, ids, v);
        var y = Tensor.Empty(new Shape([.. ids.Shape, d]), weight.Device, weight.DType);
        if (weight.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewI, ViewF, int>(EmbeddingKernels.Gather)(y.Size, weight.View, ids.IntView, y.View, d);
        else if (weight.DType == DType.Float32) EmbeddingCpu.Gather(weight.CpuArray<float>(), ids.CpuArray<int>(), y.CpuArray<float>(), ids.Size, d);
        else EmbeddingCpu.Gather(weight.CpuArray<double>(), ids.CpuArray<int>(), y.CpuArray<double>(), ids.Size, d);
        return y;
    }

    /// <summary>dW (V, D) from dy (S..., D).</summary>
    public static Tensor EmbeddingBackward(Tensor ids, Tensor dy, int vocab)
    {
        const string op = "EmbeddingBackward";
        Check.Int(op, ids, "ids");
        Check.Float(op, dy, "dy");
        Check.SameDevice(op, dy, ids, "dy", "ids");
        int d = dy.Shape.Last;
        if (dy.Size != ids.Size * d)
            throw new ShapeException($"{op}: dy must have shape {new Shape([.. ids.Shape, d])} for ids {ids.Shape}, got {dy.Shape}");
        var dw = Tensor.Zeros(Shape.Of(vocab, d), dy.Device, dy.DType);
        if (dy.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewI, ViewF, ViewF, int>(EmbeddingKernels.Scatter)(dy.Size, ids.IntView, dy.View, dw.View, d);
        else if (dy.DType == DType.Float32) EmbeddingCpu.Scatter(ids.CpuArray<int>(), dy.CpuArray<float>(), dw.CpuArray<float>(), ids.Size, d);
        else EmbeddingCpu.Scatter(ids.CpuArray<int>(), dy.CpuArray<double>(), dw.CpuArray<double>(), ids.Size, d);
        return dw;
    }

    private static void CheckIds(string op, Tensor ids, int v)
    {
        var host = ids.Device is CpuDevice ? ids.CpuArray<int>() : ids.ToIntArray();
        for (int i = 0; i < ids.Size; i++)
            if ((uint)host[i] >= (uint)v)
                throw new ArgumentException($"{op}: id {host[i]} at position {i} is outside the table's {v} rows");
    }
}

internal static class EmbeddingCpu
{
    public static void Gather<T>(T[] w, int[] ids, T[] y, int count, int d) where T : unmanaged, INumberBase<T> =>
        CpuParallel.For(count, d, (s0, s1) =>
        {
            for (int s = s0; s < s1; s++) w.AsSpan(ids[s] * d, d).CopyTo(y.AsSpan(s * d, d));
        });

    /// <summary>Each thread owns a range of columns and walks every id in order: deterministic sums.</summary>
    public static void Scatter<T>(int[] ids, T[] dy, T[] dw, int count, int d) where T : unmanaged, IFloatingPointIeee754<T> =>
        CpuParallel.For(d, count, (c0, c1) =>
        {
            for (int s = 0; s < count; s++)
            {
                int row = ids[s] * d, src = s * d;
                for (int c = c0; c < c1; c++) dw[row + c] += dy[src + c];
            }
        });
}

internal static class EmbeddingKernels
{
    [Kernel]
    internal static void Gather(Index1D i, ViewF w, ViewI ids, ViewF y, int d) => y[i] = w[ids[i / d] * d + i % d];

    [Kernel]
    internal static void Scatter(Index1D i, ViewI ids, ViewF dy, ViewF dw, int d) =>
        Atomic.Add(ref dw[ids[i / d] * d + i % d], dy[i]);
}
