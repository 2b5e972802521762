using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Softmax and log-softmax over the last axis (length Lk), numerically stable (the row maximum is subtracted first).
//   softmax:     y[r, j] = exp(x[r, j] − m_r) / Σ_k exp(x[r, k] − m_r),   m_r = max_k x[r, k]
//   log-softmax: y[r, j] = x[r, j] − m_r − log Σ_k exp(x[r, k] − m_r)
//   causal: x is (..., Lq, Lk) with Lk ≥ Lq; query i sees keys j ≤ i + (Lk − Lq) (with Lq = Lk, the usual causal
//     attention mask; with Lq < Lk, the last Lq queries of a longer sequence). Σ and max run over the visible keys
//     only; masked outputs are 0 for softmax and −∞ for log-softmax.
// Backward:
//   softmax:     dx = y ⊙ (dy − Σ_k dy_k·y_k)          (masked entries have y = 0, so dx = 0 there)
//   log-softmax: dx = dy − exp(y)·Σ_k dy_k              (Σ over visible keys; masked entries get dx = 0)
// Used by the Transformer baseline's attention and, through log-sum-exp, by the cross-entropy loss.

public static partial class Ops
{
    /// <summary>Softmax over the last axis; with <paramref name="causal"/>, over the keys each query may see.</summary>
    public static Tensor Softmax(Tensor x, bool causal = false) => SoftmaxForward("Softmax", x, causal, log: false);

    /// <summary>Log-softmax over the last axis; masked entries are −∞.</summary>
    public static Tensor LogSoftmax(Tensor x, bool causal = false) => SoftmaxForward("LogSoftmax", x, causal, log: true);

    /// <summary>dx = y ⊙ (dy − Σ dy·y) per row, given the softmax output <paramref name="y"/> (causal or not).</summary>
    public static Tensor SoftmaxBackward(Tensor y, Tensor dy) => SoftmaxGradient("SoftmaxBackward", y, dy, causal: false, log: false);

    /// <summary>dx = dy − exp(y)·Σ dy per row, given the log-softmax output <paramref name="y"/>; masked entries 0.</summary>
    public static Tensor LogSoftmaxBackward(Tensor y, Tensor dy, bool causal = false) =>
        SoftmaxGradient("LogSoftmaxBackward", y, dy, causal, log: true);

    private static Tensor SoftmaxForward(string op, Tensor x, bool causal, bool log)
    {
        Check.Float(op, x, "x");
        var (rows, lq, lk) = SoftmaxRows(op, x.Shape, causal);
        var y = Tensor.EmptyLike(x);   // x's shape
        if (x.Device is IlgpuDevice g) SoftmaxKernels.Forward(g, x.View, y.View, rows, lq, lk, causal, log);
        else if (x.DType == DType.Float32) SoftmaxCpu.Forward(x.CpuArray<float>(), y.CpuArray<float>(), rows, lq, lk, causal, log);
        else SoftmaxCpu.Forward(x.CpuArray<double>(), y.CpuArray<double>(), rows, lq, lk, causal, log);
        return y;
    }

    private static Tensor SoftmaxGradient(string op, Tensor y, Tensor dy, bool causal, bool log)
    {
        Check.Binary(op, y, dy, "y", "dy");
        Check.Shape(op, dy, y.Shape, "dy");
        var (rows, lq, lk) = SoftmaxRows(op, y.Shape, causal);
        var dx = Tensor.EmptyLike(y);   // y's shape
        if (y.Device is IlgpuDevice g) SoftmaxKernels.Backward(g, y.View, dy.View, dx.View, rows, lq, lk, causal, log);
        else if (y.DType == DType.Float32)
            SoftmaxCpu.Backward(y.CpuArray<float>(), dy.CpuArray<float>(), dx.CpuArray<float>(), rows, lq, lk, causal, log);
        else SoftmaxCpu.Backward(y.CpuArray<double>(), dy.CpuArray<double>(), dx.CpuArray<double>(), rows, lq, lk, causal, log);
        return dx;
    }

    /// <summary>Rows of Lk, and Lq (queries per causal block; 1 when not causal).</summary>
    private static (int Rows, int Lq, int Lk) SoftmaxRows(string op, Shape shape, bool causal)
    {
        if (shape.Rank < (causal ? 2 : 1))
            throw new ShapeException($"{op}: {(causal ? "causal softmax needs (..., Lq, Lk), rank at least 2" : "needs rank at least 1")}, got shape {shape}");
        int lk = shape[^1], lq = causal ? shape[^2] : 1;
        if (causal && lk < lq)
            throw new ShapeException($"{op}: causal softmax needs Lk ≥ Lq in (..., Lq, Lk), got shape {shape} (Lq = {lq}, Lk = {lk})");
        return (shape.Size / lk, lq, lk);
    }
}

internal static class SoftmaxCpu
{
    /// <summary>Keys visible in row <paramref name="row"/>: all Lk, or i + 1 + (Lk − Lq) for query i = row mod Lq.</summary>
    public static int Visible(int row, int lq, int lk, bool causal) => causal ? row % lq + 1 + lk - lq : lk;

    public static void Forward<T>(T[] x, T[] y, int rows, int lq, int lk, bool causal, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(rows, 4L * lk, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                int visible = Visible(r, lq, lk, causal);
                ReadOnlySpan<T> xs = x.AsSpan(r * lk, visible);
                Span<T> row = y.AsSpan(r * lk, lk), ys = row[..visible];
                T m = TensorPrimitives.Max(xs);
                TensorPrimitives.Subtract(xs, m, ys);
                TensorPrimitives.Exp(ys, ys);
                double sum = ReduceCpu.Sum<T>(ys);
                if (log)
                {
                    // (x − m) − log Σ: subtracting m first keeps the result exact near 0 even for large logits.
                    TensorPrimitives.Subtract(xs, m, ys);
                    TensorPrimitives.Subtract(ys, T.CreateTruncating(Math.Log(sum)), ys);
                }
                else TensorPrimitives.Divide(ys, T.CreateTruncating(sum), ys);
                row[visible..].Fill(log ? T.NegativeInfinity : T.Zero);
            }
        });
    }

    public static void Backward<T>(T[] y, T[] dy, T[] dx, int rows, int lq, int lk, bool causal, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(rows, 3L * lk, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                ReadOnlySpan<T> ys = y.AsSpan(r * lk, lk), gs = dy.AsSpan(r * lk, lk);
                Span<T> ds = dx.AsSpan(r * lk, lk);
                if (!log)
                {
                    T dot = T.CreateTruncating(ReduceCpu.Dot(gs, ys));
                    TensorPrimitives.Subtract(gs, dot, ds);
                    TensorPrimitives.Multiply(ds, ys, ds);
                    continue;
                }
                int visible = Visible(r, lq, lk, causal);
                T sum = T.CreateTruncating(ReduceCpu.Sum(gs[..visible]));
                var dv = ds[..visible];
                TensorPrimitives.Exp(ys[..visible], dv);
                TensorPrimitives.MultiplyAdd(dv, -sum, gs[..visible], dv);
                ds[visible..].Clear();
            }
        });
    }
}

/// <summary>A row's maximum and Σ exp(x − maximum), as combined across a group.</summary>
internal struct MaxSum
{
    public float Max;
    public float Sum;
}

internal static class SoftmaxKernels
{
    public static void Forward(IlgpuDevice g, ViewF x, ViewF y, int rows, int lq, int lk, bool causal, bool log) =>
        g.GroupedKernel<ViewF, ViewF, int, int, int, int>(ForwardKernel)(
            new KernelConfig(rows, GroupReduction.GroupSize(g, lk)), x, y, lq, lk, causal ? 1 : 0, log ? 1 : 0);

    public static void Backward(IlgpuDevice g, ViewF y, ViewF dy, ViewF dx, int rows, int lq, int lk, bool causal, bool log) =>
        g.GroupedKernel<ViewF, ViewF, ViewF, int, int, int, int>(BackwardKernel)(
            new KernelConfig(rows, GroupReduction.GroupSize(g, lk)), y, dy, dx, lq, lk, causal ? 1 : 0, log ? 1 : 0);

    /// <summary>The maximum m and Σ exp(x − m) of x[start, start + length), computed by the whole group in one pass
    /// (each thread keeps a running maximum and rescales its sum when the maximum grows), then combined in a tree
    /// in shared memory. Every thread gets the result.</summary>
    public static MaxSum GroupMaxSumExp(ViewF x, int start, int length, ViewF sharedMax, ViewF sharedSum)
    {
        int t = Group.IdxX, size = Group.DimX;
        float m = float.NegativeInfinity, s = 0f;
        for (int j = t; j < length; j += size)
        {
            float v = x[start + j];
            if (v > m)
            {
                s = s * MathF.Exp(m - v) + 1f;
                m = v;
            }
            else if (v != float.NegativeInfinity) s += MathF.Exp(v - m);   // a NaN lands here and poisons the sum
        }
        sharedMax[t] = m;
        sharedSum[t] = s;
        Group.Barrier();
        for (int step = GroupReduction.TreeStart(size); step > 0; step /= 2)
        {
            if (t < step && t + step < size)
            {
                float m1 = sharedMax[t], m2 = sharedMax[t + step], both = MathF.Max(m1, m2);
                sharedSum[t] = Rescale(sharedSum[t], m1, both) + Rescale(sharedSum[t + step], m2, both);
                sharedMax[t] = both;
            }
            Group.Barrier();
        }
        var result = new MaxSum { Max = sharedMax[0], Sum = sharedSum[0] };
        Group.Barrier();
        return result;
    }

    /// <summary>A sum of exp(x − m) re-expressed relative to a larger maximum; an empty sum (m = −∞) stays 0.</summary>
    private static float Rescale(float sum, float m, float to) => m == float.NegativeInfinity ? 0f : sum * MathF.Exp(m - to);

    /// <summary>One group per row of Lk.</summary>
    [Kernel(Grouped = true)]
    private static void ForwardKernel(ViewF x, ViewF y, int lq, int lk, int causal, int log)
    {
        var sharedMax = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        var sharedSum = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        int row = Grid.IdxX, start = row * lk;
        int visible = causal != 0 ? row % lq + 1 + lk - lq : lk;
        var ms = GroupMaxSumExp(x, start, visible, sharedMax, sharedSum);
        float logSum = MathF.Log(ms.Sum);
        for (int j = Group.IdxX; j < lk; j += Group.DimX)
        {
            float v;
            if (j >= visible) v = log != 0 ? float.NegativeInfinity : 0f;
            else if (log != 0) v = x[start + j] - ms.Max - logSum;
            else v = MathF.Exp(x[start + j] - ms.Max) / ms.Sum;
            y[start + j] = v;
        }
    }

    /// <summary>One group per row: Σ dy·y (softmax) or Σ dy over visible keys (log-softmax), then dx.</summary>
    [Kernel(Grouped = true)]
    private static void BackwardKernel(ViewF y, ViewF dy, ViewF dx, int lq, int lk, int causal, int log)
    {
        var shared = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        int row = Grid.IdxX, start = row * lk;
        int visible = causal != 0 ? row % lq + 1 + lk - lq : lk;
        float acc = 0f;
        for (int j = Group.IdxX; j < visible; j += Group.DimX)
            acc += log != 0 ? dy[start + j] : dy[start + j] * y[start + j];
        float total = GroupReduction.GroupReduce<SumOperator>(shared, acc);
        for (int j = Group.IdxX; j < lk; j += Group.DimX)
        {
            float g = dy[start + j], v = y[start + j];
            if (log == 0) dx[start + j] = v * (g - total);
            else dx[start + j] = j < visible ? g - MathF.Exp(v) * total : 0f;
        }
    }
}
