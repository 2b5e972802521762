using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;
using ViewI = ILGPU.ArrayView<int>;

namespace HyenaIL;

// Mean cross-entropy of logits (N, V) against int32 targets (N), skipping rows whose target is ignoreIndex
// (reference §3.2: flattened (B·L, V), ignore_index −100):
//   lse_n = m_n + log Σ_v exp(x_nv − m_n),  m_n = max_v x_nv
//   loss  = (1/count) Σ_{n counted} (lse_n − x_n,t_n)       (0 when no row counts)
// Backward: dx_nv = (exp(x_nv − lse_n) − [v = t_n]) · dloss / count for counted rows, 0 for ignored rows.
// Everything stays on the device: the count is a tensor, so no host round trip per step (targets are range-checked
// on the host, where they come from).

/// <summary>The loss (shape ()), each row's log-sum-exp (N) and the number of counted rows (shape ()).</summary>
public sealed record CrossEntropyResult(Tensor Loss, Tensor LogSumExp, Tensor Count) : IDisposable
{
    public void Dispose()
    {
        Loss.Dispose();
        LogSumExp.Dispose();
        Count.Dispose();
    }
}

public static partial class Ops
{
    public static CrossEntropyResult CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex = -100)
    {
        const string op = "CrossEntropy";
        CheckCrossEntropy(op, logits, targets, ignoreIndex);
        int n = logits.Shape[0], v = logits.Shape[1];
        var lse = Tensor.Empty(Shape.Of(n), logits.Device, logits.DType);
        using var rowLoss = Tensor.Empty(Shape.Of(n), logits.Device, logits.DType);
        using var counted = Tensor.Empty(Shape.Of(n), logits.Device, logits.DType);
        if (logits.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewI, ViewF, ViewF, ViewF, int, int>(CrossEntropyKernels.Rows)(
                n, logits.View, targets.IntView, lse.View, rowLoss.View, counted.View, v, ignoreIndex);
        else if (logits.DType == DType.Float32)
            CrossEntropyCpu.Rows(logits.CpuArray<float>(), targets.CpuArray<int>(), lse.CpuArray<float>(), rowLoss.CpuArray<float>(), counted.CpuArray<float>(), n, v, ignoreIndex);
        else
            CrossEntropyCpu.Rows(logits.CpuArray<double>(), targets.CpuArray<int>(), lse.CpuArray<double>(), rowLoss.CpuArray<double>(), counted.CpuArray<double>(), n, v, ignoreIndex);
        var count = Sum(counted);
        using var total = Sum(rowLoss);
        var loss = Tensor.EmptyLike(total);
        if (logits.Device is IlgpuDevice dev)
            dev.Kernel<Index1D, ViewF, ViewF, ViewF>(CrossEntropyKernels.Mean)(1, total.View, count.View, loss.View);
        else if (logits.DType == DType.Float32) loss.CpuArray<float>()[0] = count.CpuArray<float>()[0] > 0 ? total.CpuArray<float>()[0] / count.CpuArray<float>()[0] : 0f;
        else loss.CpuArray<double>()[0] = count.CpuArray<double>()[0] > 0 ? total.CpuArray<double>()[0] / count.CpuArray<double>()[0] : 0.0;
        return new CrossEntropyResult(loss, lse, count);
    }

    public static Tensor CrossEntropyBackward(Tensor logits, Tensor targets, Tensor logSumExp, Tensor count, Tensor dLoss, int ignoreIndex = -100)
    {
        const string op = "CrossEntropyBackward";
        Check.Binary(op, logits, logSumExp, "logits", "logSumExp");
        Check.Binary(op, logits, count, "logits", "count");
        Check.Binary(op, logits, dLoss, "logits", "dLoss");
        Check.Int(op, targets, "targets");
        Check.SameDevice(op, logits, targets, "logits", "targets");
        Check.Rank(op, logits, 2, "logits");
        int n = logits.Shape[0], v = logits.Shape[1];
        Check.Shape(op, targets, Shape.Of(n), "targets");
        Check.Shape(op, logSumExp, Shape.Of(n), "logSumExp");
        if (count.Size != 1 || dLoss.Size != 1)
            throw new ShapeException($"{op}: count and dLoss must be scalars, got {count.Shape} and {dLoss.Shape}");
        var dx = Tensor.EmptyLike(logits);
        if (logits.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewI, ViewF, ViewF, ViewF, ViewF, int, int>(CrossEntropyKernels.Backward)(
                n * v, logits.View, targets.IntView, logSumExp.View, count.View, dLoss.View, dx.View, v, ignoreIndex);
        else if (logits.DType == DType.Float32)
            CrossEntropyCpu.Backward(logits.CpuArray<float>(), targets.CpuArray<int>(), logSumExp.CpuArray<float>(), count.CpuArray<float>()[0], dLoss.CpuArray<float>()[0], dx.CpuArray<float>(), n, v, ignoreIndex);
        else
            CrossEntropyCpu.Backward(logits.CpuArray<double>(), targets.CpuArray<int>(), logSumExp.CpuArray<double>(), count.CpuArray<double>()[0], dLoss.CpuArray<double>()[0], dx.CpuArray<double>(), n, v, ignoreIndex);
        return dx;
    }

    private static void CheckCrossEntropy(string op, Tensor logits, Tensor targets, int ignoreIndex)
    {
        Check.Float(op, logits, "logits");
        Check.Int(op, targets, "targets");
        Check.SameDevice(op, logits, targets, "logits", "targets");
        Check.Rank(op, logits, 2, "logits");
        Check.Shape(op, targets, Shape.Of(logits.Shape[0]), "targets");
        int v = logits.Shape[1];
        var host = targets.ToIntArray();
        for (int i = 0; i < host.Length; i++)
            if (host[i] != ignoreIndex && (uint)host[i] >= (uint)v)
                throw new ArgumentException($"{op}: target {host[i]} at row {i} is outside the vocabulary [0, {v}) and is not the ignore index {ignoreIndex}");
    }
}

internal static class CrossEntropyCpu
{
    public static void Rows<T>(T[] x, int[] targets, T[] lse, T[] rowLoss, T[] counted, int n, int v, int ignore)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(n, 3L * v, (r0, r1) =>
        {
            var tmp = new T[v];
            for (int r = r0; r < r1; r++)
            {
                var xs = x.AsSpan(r * v, v);
                T max = TensorPrimitives.Max(xs);
                TensorPrimitives.Subtract(xs, max, tmp);
                TensorPrimitives.Exp(tmp, tmp);
                T l = max + T.Log(TensorPrimitives.Sum<T>(tmp));
                lse[r] = l;
                bool count = targets[r] != ignore;
                rowLoss[r] = count ? l - xs[targets[r]] : T.Zero;
                counted[r] = count ? T.One : T.Zero;
            }
        });
    }

    public static void Backward<T>(T[] x, int[] targets, T[] lse, T count, T dLoss, T[] dx, int n, int v, int ignore)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = count > T.Zero ? dLoss / count : T.Zero;
        CpuParallel.For(n, 2L * v, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var d = dx.AsSpan(r * v, v);
                if (targets[r] == ignore)
                {
                    d.Clear();
                    continue;
                }
                TensorPrimitives.Subtract(x.AsSpan(r * v, v), lse[r], d);
                TensorPrimitives.Exp(d, d);
                d[targets[r]] -= T.One;
                TensorPrimitives.Multiply(d, scale, d);
            }
        });
    }
}

internal static class CrossEntropyKernels
{
    [Kernel]
    internal static void Rows(Index1D r, ViewF x, ViewI targets, ViewF lse, ViewF rowLoss, ViewF counted, int v, int ignore)
    {
        int start = r * v;
        float max = float.NegativeInfinity;
        for (int j = 0; j < v; j++) max = MathF.Max(max, x[start + j]);
        float sum = 0f;
        for (int j = 0; j < v; j++) sum += MathF.Exp(x[start + j] - max);
        float l = max + MathF.Log(sum);
        lse[r] = l;
        int t = targets[r];
        rowLoss[r] = t != ignore ? l - x[start + t] : 0f;
        counted[r] = t != ignore ? 1f : 0f;
    }

    [Kernel]
    internal static void Mean(Index1D i, ViewF total, ViewF count, ViewF loss) =>
        loss[0] = count[0] > 0f ? total[0] / count[0] : 0f;

    [Kernel]
    internal static void Backward(Index1D i, ViewF x, ViewI targets, ViewF lse, ViewF count, ViewF dLoss, ViewF dx, int v, int ignore)
    {
        int r = i / v, j = i % v, t = targets[r];
        if (t == ignore || count[0] <= 0f)
        {
            dx[i] = 0f;
            return;
        }
        float p = MathF.Exp(x[i] - lse[r]);
        dx[i] = (p - (j == t ? 1f : 0f)) * dLoss[0] / count[0];
    }
}
