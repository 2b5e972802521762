using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;
using ViewI = ILGPU.ArrayView<int>;

namespace HyenaIL;

// Token embedding: rows of the weight E (V, D) looked up by int32 ids of any shape S (reference §3 "Embedding": no
// positional embeddings; the LM head is tied to E).
//   forward:  y[s, :] = E[ids[s], :]                        y: (S..., D)
//   backward: dE[v, :] = Σ_{s : ids[s] = v} dy[s, :]        dE: (V, D), a scatter-add; rows no id names stay 0
// On the cpu the positions are grouped by id (a stable counting sort) and each row of dE adds its positions in order,
// so the result is deterministic. On ILGPU devices one thread per element of dy does an Atomic.Add, so the order of
// the additions, and the last bits of a row hit by many ids, may vary between runs.
// Ids are copied to the host and checked in both directions: an id outside [0, V) would read or write out of bounds.

public static partial class Ops
{
    /// <summary>y (S..., D) = the rows of <paramref name="weight"/> (V, D) named by <paramref name="ids"/> (S...).</summary>
    public static Tensor Embedding(Tensor weight, Tensor ids)
    {
        const string op = "Embedding";
        Check.Float(op, weight, "weight");
        Check.Rank(op, weight, 2, "weight");
        Check.Int(op, ids, "ids");
        Check.SameDevice(op, weight, ids, "weight", "ids");
        int v = weight.Shape[0], d = weight.Shape[1];
        CheckIds(op, ids.ToIntArray(), ids.Shape, v);
        var y = Tensor.Empty(new Shape([.. ids.Shape, d]), weight.Device, weight.DType);   // (S..., D)
        if (weight.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewI, ViewF, int>(EmbeddingKernels.Gather)(ids.Size * d, weight.View, ids.IntView, y.View, d);
        else if (weight.DType == DType.Float32) EmbeddingCpu.Gather(weight.CpuArray<float>(), ids.CpuArray<int>(), y.CpuArray<float>(), ids.Size, d);
        else EmbeddingCpu.Gather(weight.CpuArray<double>(), ids.CpuArray<int>(), y.CpuArray<double>(), ids.Size, d);
        return y;
    }

    /// <summary>dE (V, D) with V = <paramref name="vocab"/>: each row the sum of the rows of <paramref name="dy"/>
    /// (S..., D) whose id names it.</summary>
    public static Tensor EmbeddingBackward(Tensor ids, Tensor dy, int vocab)
    {
        const string op = "EmbeddingBackward";
        Check.Int(op, ids, "ids");
        Check.Float(op, dy, "dy");
        Check.SameDevice(op, ids, dy, "ids", "dy");
        if (vocab < 1) throw new ArgumentOutOfRangeException(nameof(vocab), $"{op}: vocab must be at least 1, got {vocab}");
        Check.MinRank(op, dy, 1, "dy");
        int d = dy.Shape[^1];
        Check.Shape(op, dy, new Shape([.. ids.Shape, d]), "dy");
        var host = ids.ToIntArray();
        CheckIds(op, host, ids.Shape, vocab);
        var dWeight = Tensor.Empty(Shape.Of(vocab, d), dy.Device, dy.DType);   // (V, D)
        if (dy.Device is IlgpuDevice g)
        {
            dWeight.Clear();
            g.Kernel<Index1D, ViewI, ViewF, ViewF, int>(EmbeddingKernels.ScatterAdd)(ids.Size * d, ids.IntView, dy.View, dWeight.View, d);
        }
        else if (dy.DType == DType.Float32) EmbeddingCpu.ScatterAdd(host, dy.CpuArray<float>(), dWeight.CpuArray<float>(), vocab, d);
        else EmbeddingCpu.ScatterAdd(host, dy.CpuArray<double>(), dWeight.CpuArray<double>(), vocab, d);
        return dWeight;
    }

    private static void CheckIds(string op, int[] ids, Shape shape, int v)
    {
        for (int s = 0; s < ids.Length; s++)
        {
            if ((uint)ids[s] < (uint)v) continue;
            var index = new int[shape.Rank];
            for (int k = shape.Rank - 1, rest = s; k >= 0; k--)
            {
                index[k] = rest % shape[k];
                rest /= shape[k];
            }
            throw new ArgumentException(
                $"{op}: id {ids[s]} at index ({string.Join(", ", index)}) of ids {shape} is outside [0, {v}) (V = {v})");
        }
    }
}

internal static class EmbeddingCpu
{
    public static void Gather<T>(T[] weight, int[] ids, T[] y, int count, int d) where T : unmanaged, INumberBase<T> =>
        CpuParallel.For(count, d, (s, e) =>
        {
            for (int k = s; k < e; k++) weight.AsSpan(ids[k] * d, d).CopyTo(y.AsSpan(k * d, d));
        });

    public static void ScatterAdd<T>(int[] ids, T[] dy, T[] dWeight, int vocab, int d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Counting sort: the positions holding id v are order[first[v] .. first[v + 1]), in increasing position.
        var first = new int[vocab + 1];
        foreach (int id in ids) first[id + 1]++;
        for (int v = 0; v < vocab; v++) first[v + 1] += first[v];
        var next = first[..vocab];
        var order = new int[ids.Length];
        for (int s = 0; s < ids.Length; s++) order[next[ids[s]]++] = s;
        CpuParallel.For(vocab, (long)d * (ids.Length / vocab + 1), (a, b) =>
        {
            for (int v = a; v < b; v++)
            {
                var row = dWeight.AsSpan(v * d, d);
                row.Clear();
                for (int k = first[v]; k < first[v + 1]; k++) TensorPrimitives.Add(row, dy.AsSpan(order[k] * d, d), row);
            }
        });
    }
}

internal static class EmbeddingKernels
{
    /// <summary>One thread per output element.</summary>
    [Kernel]
    internal static void Gather(Index1D i, ViewF weight, ViewI ids, ViewF y, int d) => y[i] = weight[ids[i / d] * d + i % d];

    /// <summary>One thread per element of dy, added atomically into the row its id names (dE zeroed first).</summary>
    [Kernel]
    internal static void ScatterAdd(Index1D i, ViewI ids, ViewF dy, ViewF dWeight, int d) =>
        Atomic.Add(ref dWeight[ids[i / d] * d + i % d], dy[i]);
}
