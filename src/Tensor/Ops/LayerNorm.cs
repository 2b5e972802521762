using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Layer norm over the last axis D (reference §3.2, eps 1e−5), per row:
//   μ = mean(x);  rstd = 1/√(mean((x − μ)²) + eps);  n = (x − μ)·rstd;  y = n ⊙ γ + β
// Backward (as llm.c's layernorm_backward), with g = dy ⊙ γ:
//   dx = rstd · (g − mean(g) − n · mean(g ⊙ n));   dγ = Σ_rows dy ⊙ n;   dβ = Σ_rows dy

/// <summary>The output and the per-row statistics the backward needs (shape x.Shape without the last axis).</summary>
public sealed record LayerNormResult(Tensor Y, Tensor Mean, Tensor Rstd) : IDisposable
{
    public void Dispose()
    {
        Y.Dispose();
        Mean.Dispose();
        Rstd.Dispose();
    }
}

public static partial class Ops
{
    public static LayerNormResult LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps = 1e-5f)
    {
        const string op = "LayerNorm";
        Check.Binary(op, x, gamma, "x", "gamma");
        Check.Binary(op, x, beta, "x", "beta");
        Check.MinRank(op, x, 1, "x");
        int d = x.Shape.Last, rows = x.Size / d;
        Check.Shape(op, gamma, Shape.Of(d), "gamma");
        Check.Shape(op, beta, Shape.Of(d), "beta");
        var statShape = x.Rank == 1 ? Shape.Scalar : x.Shape.Without(-1);
        var y = Tensor.EmptyLike(x);
        var mean = Tensor.Empty(statShape, x.Device, x.DType);
        var rstd = Tensor.Empty(statShape, x.Device, x.DType);
        if (x.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF, ViewF, ViewF, int, float>(LayerNormKernels.Forward)(
                rows, x.View, gamma.View, beta.View, y.View, mean.View, rstd.View, d, eps);
        else if (x.DType == DType.Float32)
            LayerNormCpu.Forward(x.CpuArray<float>(), gamma.CpuArray<float>(), beta.CpuArray<float>(), y.CpuArray<float>(), mean.CpuArray<float>(), rstd.CpuArray<float>(), rows, d, eps);
        else
            LayerNormCpu.Forward(x.CpuArray<double>(), gamma.CpuArray<double>(), beta.CpuArray<double>(), y.CpuArray<double>(), mean.CpuArray<double>(), rstd.CpuArray<double>(), rows, d, eps);
        return new LayerNormResult(y, mean, rstd);
    }

    public static (Tensor DX, Tensor DGamma, Tensor DBeta) LayerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dy)
    {
        const string op = "LayerNormBackward";
        Check.Binary(op, x, gamma, "x", "gamma");
        Check.Binary(op, x, dy, "x", "dy");
        Check.Binary(op, x, mean, "x", "mean");
        Check.Binary(op, x, rstd, "x", "rstd");
        int d = x.Shape.Last, rows = x.Size / d;
        Check.Shape(op, dy, x.Shape, "dy");
        Check.Shape(op, gamma, Shape.Of(d), "gamma");
        if (mean.Size != rows || rstd.Size != rows)
            throw new ShapeException($"{op}: mean and rstd must have {rows} elements (one per row of {x.Shape}), got {mean.Shape} and {rstd.Shape}");
        var dx = Tensor.EmptyLike(x);
        using var scaled = Tensor.EmptyLike(x); // dy ⊙ n, summed over rows into dγ
        if (x.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF, ViewF, ViewF, ViewF, int>(LayerNormKernels.Backward)(
                rows, x.View, gamma.View, mean.View, rstd.View, dy.View, dx.View, scaled.View, d);
        else if (x.DType == DType.Float32)
            LayerNormCpu.Backward(x.CpuArray<float>(), gamma.CpuArray<float>(), mean.CpuArray<float>(), rstd.CpuArray<float>(), dy.CpuArray<float>(), dx.CpuArray<float>(), scaled.CpuArray<float>(), rows, d);
        else
            LayerNormCpu.Backward(x.CpuArray<double>(), gamma.CpuArray<double>(), mean.CpuArray<double>(), rstd.CpuArray<double>(), dy.CpuArray<double>(), dx.CpuArray<double>(), scaled.CpuArray<double>(), rows, d);
        using var scaledRows = scaled.Reshape(rows, d);
        using var dyRows = dy.Reshape(rows, d);
        return (dx, Sum(scaledRows, 0), Sum(dyRows, 0));
    }
}

internal static class LayerNormCpu
{
    public static void Forward<T>(T[] x, T[] gamma, T[] beta, T[] y, T[] mean, T[] rstd, int rows, int d, float eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T n = T.CreateTruncating(d), e = T.CreateTruncating(eps);
        CpuParallel.For(rows, 4L * d, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                var xs = x.AsSpan(r * d, d);
                var ys = y.AsSpan(r * d, d);
                T mu = TensorPrimitives.Sum<T>(xs) / n;
                TensorPrimitives.Subtract(xs, mu, ys);
                T rs = T.One / T.Sqrt(TensorPrimitives.SumOfSquares<T>(ys) / n + e);
                TensorPrimitives.Multiply(ys, rs, ys);
                TensorPrimitives.MultiplyAdd(ys, gamma, beta, ys);
                mean[r] = mu;
                rstd[r] = rs;
            }
        });
    }

    public static void Backward<T>(T[] x, T[] gamma, T[] mean, T[] rstd, T[] dy, T[] dx, T[] scaled, int rows, int d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T n = T.CreateTruncating(d);
        CpuParallel.For(rows, 6L * d, (r0, r1) =>
        {
            var g = new T[d];
            for (int r = r0; r < r1; r++)
            {
                var xs = x.AsSpan(r * d, d);
                var gs = dy.AsSpan(r * d, d);
                var norm = scaled.AsSpan(r * d, d);       // first the normalised x, then dy ⊙ n
                var dxs = dx.AsSpan(r * d, d);
                TensorPrimitives.Subtract(xs, mean[r], norm);
                TensorPrimitives.Multiply(norm, rstd[r], norm);
                TensorPrimitives.Multiply(gs, gamma, g);
                T meanG = TensorPrimitives.Sum<T>(g) / n;
                T meanGn = TensorPrimitives.Dot<T>(g, norm) / n;
                for (int i = 0; i < d; i++) dxs[i] = rstd[r] * (g[i] - meanG - norm[i] * meanGn);
                TensorPrimitives.Multiply(norm, gs, norm);
            }
        });
    }
}

internal static class LayerNormKernels
{
    /// <summary>One thread per row.</summary>
    [Kernel]
    internal static void Forward(Index1D r, ViewF x, ViewF gamma, ViewF beta, ViewF y, ViewF mean, ViewF rstd, int d, float eps)
    {
        int start = r * d;
        float sum = 0f;
        for (int i = 0; i < d; i++) sum += x[start + i];
        float mu = sum / d;
        float var = 0f;
        for (int i = 0; i < d; i++)
        {
            float c = x[start + i] - mu;
            var += c * c;
        }
        float rs = 1f / MathF.Sqrt(var / d + eps);
        for (int i = 0; i < d; i++) y[start + i] = (x[start + i] - mu) * rs * gamma[i] + beta[i];
        mean[r] = mu;
        rstd[r] = rs;
    }

    [Kernel]
    internal static void Backward(Index1D r, ViewF x, ViewF gamma, ViewF mean, ViewF rstd, ViewF dy, ViewF dx, ViewF scaled, int d)
    {
        int start = r * d;
        float mu = mean[r], rs = rstd[r], sumG = 0f, sumGn = 0f;
        for (int i = 0; i < d; i++)
        {
            float n = (x[start + i] - mu) * rs, g = dy[start + i] * gamma[i];
            sumG += g;
            sumGn += g * n;
        }
        float meanG = sumG / d, meanGn = sumGn / d;
        for (int i = 0; i < d; i++)
        {
            float n = (x[start + i] - mu) * rs;
            dx[start + i] = rs * (dy[start + i] * gamma[i] - meanG - n * meanGn);
            scaled[start + i] = dy[start + i] * n;
        }
    }
}
