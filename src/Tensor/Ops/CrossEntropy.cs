using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;
using ViewI = ILGPU.ArrayView<int>;

namespace HyenaIL;

// Cross-entropy of logits x (N, V) against int32 targets t (N), averaged over the rows whose target is not
// ignoreIndex (reference §3 "Loss": cross-entropy over the flattened (B·L, V) logits, ignore_index −100, mean):
//   lse_r = m_r + log Σ_j exp(x[r, j] − m_r),   m_r = max_j x[r, j]
//   C = #{r : t_r ≠ ignoreIndex}      loss = (1/C) Σ_{r counted} (lse_r − x[r, t_r]),   loss = 0 when C = 0
// The forward returns lse (N) and C (as a float scalar) for the backward:
//   dx[r, j] = (exp(x[r, j] − lse_r) − [j = t_r]) · dLoss / C for counted rows; 0 for ignored rows (everywhere if C = 0).
// Targets are copied to the host and checked once, in the forward: a target outside [0, V) that is not ignoreIndex
// throws there. The loss, lse and C stay on the device.

/// <summary>The output of <see cref="Ops.CrossEntropy"/>: Loss (), each row's LogSumExp (N), and Count () — the
/// number of rows counted, as a float. Disposing it disposes all three.</summary>
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
    /// <summary>The mean over counted rows of −log softmax(logits)[target]; rows whose target is
    /// <paramref name="ignoreIndex"/> are left out (the loss is 0 if every row is).</summary>
    public static CrossEntropyResult CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex = -100)
    {
        const string op = "CrossEntropy";
        var (n, v) = CheckCrossEntropy(op, logits, targets);
        int count = CountTargets(op, targets.ToIntArray(), v, ignoreIndex);
        var dev = logits.Device;
        var loss = Tensor.Empty(Shape.Scalar, dev, logits.DType);        // ()
        var lse = Tensor.Empty(Shape.Of(n), dev, logits.DType);          // (N)
        var counted = Tensor.Full(Shape.Scalar, count, dev, logits.DType); // ()
        using var rowLoss = Tensor.Empty(Shape.Of(n), dev, logits.DType); // (N)
        double scale = count > 0 ? 1.0 / count : 0.0;
        if (dev is IlgpuDevice g)
        {
            g.GroupedKernel<ViewF, ViewI, ViewF, ViewF, int, int>(CrossEntropyKernels.Rows)(
                new KernelConfig(n, GroupReduction.GroupSize(g, v)), logits.View, targets.IntView, lse.View, rowLoss.View, v, ignoreIndex);
            ReduceKernels.Run(g, ReduceKind.Sum, rowLoss.View, loss.View, 1, n, 1, (float)scale);
        }
        else if (logits.DType == DType.Float32)
            CrossEntropyCpu.Forward(logits.CpuArray<float>(), targets.CpuArray<int>(), lse.CpuArray<float>(), rowLoss.CpuArray<float>(),
                loss.CpuArray<float>(), n, v, ignoreIndex, scale);
        else
            CrossEntropyCpu.Forward(logits.CpuArray<double>(), targets.CpuArray<int>(), lse.CpuArray<double>(), rowLoss.CpuArray<double>(),
                loss.CpuArray<double>(), n, v, ignoreIndex, scale);
        return new CrossEntropyResult(loss, lse, counted);
    }

    /// <summary>dlogits (N, V) = (softmax − onehot(target)) · dLoss / count on counted rows, 0 on ignored rows, from
    /// the forward's <paramref name="logSumExp"/> (N) and <paramref name="count"/> (); <paramref name="dLoss"/> is ().</summary>
    public static Tensor CrossEntropyBackward(Tensor logits, Tensor targets, Tensor logSumExp, Tensor count, Tensor dLoss, int ignoreIndex = -100)
    {
        const string op = "CrossEntropyBackward";
        var (n, v) = CheckCrossEntropy(op, logits, targets);
        Check.Binary(op, logits, logSumExp, "logits", "logSumExp");
        Check.Binary(op, logits, count, "logits", "count");
        Check.Binary(op, logits, dLoss, "logits", "dLoss");
        Check.Shape(op, logSumExp, Shape.Of(n), "logSumExp");
        Check.Shape(op, count, Shape.Scalar, "count");
        Check.Shape(op, dLoss, Shape.Scalar, "dLoss");
        var dx = Tensor.EmptyLike(logits);   // (N, V)
        if (logits.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewI, ViewF, ViewF, ViewF, ViewF, int, int>(CrossEntropyKernels.Backward)(
                n * v, logits.View, targets.IntView, logSumExp.View, count.View, dLoss.View, dx.View, v, ignoreIndex);
        else if (logits.DType == DType.Float32)
            CrossEntropyCpu.Backward(logits.CpuArray<float>(), targets.CpuArray<int>(), logSumExp.CpuArray<float>(),
                count.CpuArray<float>()[0], dLoss.CpuArray<float>()[0], dx.CpuArray<float>(), n, v, ignoreIndex);
        else
            CrossEntropyCpu.Backward(logits.CpuArray<double>(), targets.CpuArray<int>(), logSumExp.CpuArray<double>(),
                count.CpuArray<double>()[0], dLoss.CpuArray<double>()[0], dx.CpuArray<double>(), n, v, ignoreIndex);
        return dx;
    }

    /// <summary>logits (N, V) float, targets (N) int32, on one device; returns (N, V).</summary>
    private static (int N, int V) CheckCrossEntropy(string op, Tensor logits, Tensor targets)
    {
        Check.Float(op, logits, "logits");
        Check.Int(op, targets, "targets");
        Check.SameDevice(op, logits, targets, "logits", "targets");
        Check.Rank(op, logits, 2, "logits");
        Check.Shape(op, targets, Shape.Of(logits.Shape[0]), "targets");
        return (logits.Shape[0], logits.Shape[1]);
    }

    /// <summary>The number of targets that are not <paramref name="ignoreIndex"/>; throws on one outside [0, V).</summary>
    private static int CountTargets(string op, int[] targets, int v, int ignoreIndex)
    {
        int count = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            int t = targets[r];
            if (t == ignoreIndex) continue;
            if (t < 0 || t >= v)
                throw new ArgumentException($"{op}: target {t} in row {r} is outside [0, {v}) (V = {v}) and is not ignoreIndex {ignoreIndex}");
            count++;
        }
        return count;
    }
}

internal static class CrossEntropyCpu
{
    public static void Forward<T>(T[] x, int[] targets, T[] lse, T[] rowLoss, T[] loss, int n, int v, int ignore, double scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(n, 3L * v, (s, e) =>
        {
            var buffer = ArrayPool<T>.Shared.Rent(v);
            var shifted = buffer.AsSpan(0, v);
            for (int r = s; r < e; r++)
            {
                ReadOnlySpan<T> xs = x.AsSpan(r * v, v);
                T m = TensorPrimitives.Max(xs);
                TensorPrimitives.Subtract(xs, m, shifted);
                TensorPrimitives.Exp(shifted, shifted);
                double l = double.CreateTruncating(m) + Math.Log(ReduceCpu.Sum<T>(shifted));
                lse[r] = T.CreateTruncating(l);
                int t = targets[r];
                rowLoss[r] = t == ignore ? T.Zero : T.CreateTruncating(l - double.CreateTruncating(xs[t]));
            }
            ArrayPool<T>.Shared.Return(buffer);
        });
        ReduceCpu.Run(ReduceKind.Sum, rowLoss, loss, 1, n, 1, scale);
    }

    public static void Backward<T>(T[] x, int[] targets, T[] lse, T count, T dLoss, T[] dx, int n, int v, int ignore)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T scale = count > T.Zero ? dLoss / count : T.Zero;
        CpuParallel.For(n, 2L * v, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                var ds = dx.AsSpan(r * v, v);
                int t = targets[r];
                if (t == ignore)
                {
                    ds.Clear();
                    continue;
                }
                TensorPrimitives.Subtract(x.AsSpan(r * v, v), lse[r], ds);
                TensorPrimitives.Exp(ds, ds);                     // softmax
                TensorPrimitives.Multiply(ds, scale, ds);
                if ((uint)t < (uint)v) ds[t] -= scale;
            }
        });
    }
}

internal static class CrossEntropyKernels
{
    /// <summary>One group per row: lse_r, and the row's loss (0 if ignored). Targets were checked on the host.</summary>
    [Kernel(Grouped = true)]
    internal static void Rows(ViewF x, ViewI targets, ViewF lse, ViewF rowLoss, int v, int ignore)
    {
        var sharedMax = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        var sharedSum = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        int row = Grid.IdxX;
        var ms = SoftmaxKernels.GroupMaxSumExp(x, row * v, v, sharedMax, sharedSum);
        if (Group.IdxX != 0) return;
        float l = ms.Max + MathF.Log(ms.Sum);
        int t = targets[row];
        lse[row] = l;
        rowLoss[row] = t == ignore ? 0f : l - x[row * v + t];
    }

    /// <summary>One thread per logit.</summary>
    [Kernel]
    internal static void Backward(Index1D i, ViewF x, ViewI targets, ViewF lse, ViewF count, ViewF dLoss, ViewF dx, int v, int ignore)
    {
        int r = i / v, j = i % v, t = targets[r];
        float c = count[0];
        float scale = c > 0f ? dLoss[0] / c : 0f;
        dx[i] = t == ignore ? 0f : (MathF.Exp(x[i] - lse[r]) - (j == t ? 1f : 0f)) * scale;
    }
}
