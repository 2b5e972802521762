using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Softmax and log-softmax over the last axis, optionally with a causal mask.
//   softmax:     y_j = exp(x_j − m) / Σ_k exp(x_k − m),  m = max_k x_k (for stability)
//   log-softmax: y_j = x_j − m − log Σ_k exp(x_k − m)
//   causal: x has shape (..., Lq, Lk) with Lk ≥ Lq; row i keeps columns j ≤ i + (Lk − Lq) (attention over a cached
//           prefix); masked outputs are 0 (softmax) or −∞ (log-softmax) and receive no gradient.
//   backward:    softmax      dx = y ⊙ (dy − Σ_k dy_k y_k)
//                log-softmax  dx = dy − exp(y) · Σ_k dy_k          (masked entries: dx = 0)

/// <summary>Row layout of a softmax: rows of length N; row r is row r mod Lq of its (Lq, Lk) matrix.</summary>
public struct SoftmaxRows
{
    public int N, Lq, Offset, Causal;

    /// <summary>How many leading entries of row <paramref name="r"/> are kept.</summary>
    public readonly int Valid(int r) => Causal == 0 ? N : Math.Min(N, r % Lq + 1 + Offset);
}

public static partial class Ops
{
    public static Tensor Softmax(Tensor x, bool causal = false) => SoftmaxForward("Softmax", x, causal, log: false);

    public static Tensor LogSoftmax(Tensor x, bool causal = false) => SoftmaxForward("LogSoftmax", x, causal, log: true);

    /// <summary>dx = y ⊙ (dy − Σ dy ⊙ y) per row, from the softmax output <paramref name="y"/>.</summary>
    public static Tensor SoftmaxBackward(Tensor y, Tensor dy) => SoftmaxGrad("SoftmaxBackward", y, dy, false, log: false);

    /// <summary>dx = dy − exp(y) · Σ dy per row, from the log-softmax output <paramref name="y"/>.</summary>
    public static Tensor LogSoftmaxBackward(Tensor y, Tensor dy, bool causal = false) => SoftmaxGrad("LogSoftmaxBackward", y, dy, causal, log: true);

    private static SoftmaxRows Rows(string op, Tensor x, bool causal)
    {
        if (!causal) return new SoftmaxRows { N = x.Shape.Last, Lq = 1 };
        if (x.Rank < 2 || x.Shape[-1] < x.Shape[-2])
            throw new ShapeException($"{op}: a causal mask needs shape (..., Lq, Lk) with Lk ≥ Lq, got {x.Shape}");
        return new SoftmaxRows { N = x.Shape[-1], Lq = x.Shape[-2], Offset = x.Shape[-1] - x.Shape[-2], Causal = 1 };
    }

    private static Tensor SoftmaxForward(string op, Tensor x, bool causal, bool log)
    {
        Check.Float(op, x, "x");
        Check.MinRank(op, x, 1, "x");
        var rows = Rows(op, x, causal);
        var y = Tensor.EmptyLike(x);
        int count = x.Size / rows.N;
        if (x.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewF, SoftmaxRows, int>(SoftmaxKernels.Forward)(count, x.View, y.View, rows, log ? 1 : 0);
        else if (x.DType == DType.Float32) SoftmaxCpu.Forward(x.CpuArray<float>(), y.CpuArray<float>(), rows, count, log);
        else SoftmaxCpu.Forward(x.CpuArray<double>(), y.CpuArray<double>(), rows, count, log);
        return y;
    }

    private static Tensor SoftmaxGrad(string op, Tensor y, Tensor dy, bool causal, bool log)
    {
        Check.Binary(op, y, dy, "y", "dy");
        Check.Shape(op, dy, y.Shape, "dy");
        var rows = Rows(op, y, causal);
        var dx = Tensor.EmptyLike(y);
        int count = y.Size / rows.N;
        if (y.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewF, ViewF, SoftmaxRows, int>(SoftmaxKernels.Backward)(count, y.View, dy.View, dx.View, rows, log ? 1 : 0);
        else if (y.DType == DType.Float32) SoftmaxCpu.Backward(y.CpuArray<float>(), dy.CpuArray<float>(), dx.CpuArray<float>(), rows, count, log);
        else SoftmaxCpu.Backward(y.CpuArray<double>(), dy.CpuArray<double>(), dx.CpuArray<double>(), rows, count, log);
        return dx;
    }
}

internal static class SoftmaxCpu
{
    public static void Forward<T>(T[] x, T[] y, SoftmaxRows rows, int count, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows.N;
        CpuParallel.For(count, 3L * n, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int valid = rows.Valid(r);
                var xs = x.AsSpan(r * n, valid);
                var ys = y.AsSpan(r * n, n);
                T max = TensorPrimitives.Max(xs);
                TensorPrimitives.Subtract(xs, max, ys[..valid]);
                if (log)
                {
                    TensorPrimitives.Exp(ys[..valid], ys[..valid]);
                    T lse = T.Log(TensorPrimitives.Sum<T>(ys[..valid]));
                    TensorPrimitives.Subtract(xs, max + lse, ys[..valid]);
                    ys[valid..].Fill(T.NegativeInfinity);
                }
                else
                {
                    TensorPrimitives.Exp(ys[..valid], ys[..valid]);
                    T sum = TensorPrimitives.Sum<T>(ys[..valid]);
                    TensorPrimitives.Divide(ys[..valid], sum, ys[..valid]);
                    ys[valid..].Clear();
                }
            }
        });
    }

    public static void Backward<T>(T[] y, T[] dy, T[] dx, SoftmaxRows rows, int count, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = rows.N;
        CpuParallel.For(count, 3L * n, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int valid = rows.Valid(r);
                var ys = y.AsSpan(r * n, valid);
                var gs = dy.AsSpan(r * n, valid);
                var d = dx.AsSpan(r * n, n);
                if (log)
                {
                    T sum = TensorPrimitives.Sum<T>(gs);
                    TensorPrimitives.Exp(ys, d[..valid]);
                    TensorPrimitives.Multiply(d[..valid], sum, d[..valid]);
                    TensorPrimitives.Subtract(gs, d[..valid], d[..valid]);
                }
                else
                {
                    T dot = TensorPrimitives.Dot(gs, ys);
                    TensorPrimitives.Subtract(gs, dot, d[..valid]);
                    TensorPrimitives.Multiply(d[..valid], ys, d[..valid]);
                }
                d[valid..].Clear();
            }
        });
    }
}

internal static class SoftmaxKernels
{
    /// <summary>One thread per row: max, then the sum of exponentials, then the outputs.</summary>
    [Kernel]
    internal static void Forward(Index1D r, ViewF x, ViewF y, SoftmaxRows rows, int log)
    {
        int n = rows.N, valid = rows.Valid(r), start = r * n;
        float max = float.NegativeInfinity;
        for (int j = 0; j < valid; j++) max = MathF.Max(max, x[start + j]);
        float sum = 0f;
        for (int j = 0; j < valid; j++) sum += MathF.Exp(x[start + j] - max);
        if (log != 0)
        {
            float shift = max + MathF.Log(sum);
            for (int j = 0; j < valid; j++) y[start + j] = x[start + j] - shift;
            for (int j = valid; j < n; j++) y[start + j] = float.NegativeInfinity;
        }
        else
        {
            float inv = 1f / sum;
            for (int j = 0; j < valid; j++) y[start + j] = MathF.Exp(x[start + j] - max) * inv;
            for (int j = valid; j < n; j++) y[start + j] = 0f;
        }
    }

    [Kernel]
    internal static void Backward(Index1D r, ViewF y, ViewF dy, ViewF dx, SoftmaxRows rows, int log)
    {
        int n = rows.N, valid = rows.Valid(r), start = r * n;
        float acc = 0f;
        if (log != 0)
        {
            for (int j = 0; j < valid; j++) acc += dy[start + j];
            for (int j = 0; j < valid; j++) dx[start + j] = dy[start + j] - MathF.Exp(y[start + j]) * acc;
        }
        else
        {
            for (int j = 0; j < valid; j++) acc += dy[start + j] * y[start + j];
            for (int j = 0; j < valid; j++) dx[start + j] = y[start + j] * (dy[start + j] - acc);
        }
        for (int j = valid; j < n; j++) dx[start + j] = 0f;
    }
}
