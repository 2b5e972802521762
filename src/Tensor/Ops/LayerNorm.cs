using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Layer normalisation over the last axis D, with an affine transform (reference §3: every LayerNorm of the model has
// eps = 1e−5, weight γ and bias β of shape (D)). Per row:
//   μ = (1/D) Σ_j x_j      σ² = (1/D) Σ_j (x_j − μ)²  (biased, as PyTorch)      rstd = 1 / √(σ² + eps)
//   n_j = (x_j − μ)·rstd     y_j = γ_j·n_j + β_j
// The forward returns μ and rstd per row for the backward (llm.c's layernorm_forward caches).
// Backward (llm.c's layernorm_backward), with g_j = γ_j·dy_j:
//   dx_j = rstd · (g_j − mean_k g_k − n_j · mean_k(g_k·n_k))
//   dγ_j = Σ_rows dy_j·n_j      dβ_j = Σ_rows dy_j

/// <summary>The output of <see cref="Ops.LayerNorm"/>: Y (x's shape), and each row's Mean and Rstd (x's shape without
/// the last axis), kept for the backward. Disposing it disposes all three.</summary>
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
    /// <summary>y = γ·(x − μ)/√(σ² + eps) + β over the last axis D; <paramref name="gamma"/> and <paramref name="beta"/>
    /// have shape (D). The default eps is the reference model's.</summary>
    public static LayerNormResult LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps = 1e-5f)
    {
        const string op = "LayerNorm";
        int d = CheckLayerNorm(op, x, gamma);
        Check.Binary(op, x, beta, "x", "beta");
        Check.Shape(op, beta, gamma.Shape, "beta");
        if (!(eps >= 0) || float.IsInfinity(eps))
            throw new ArgumentOutOfRangeException(nameof(eps), $"{op}: eps must be finite and ≥ 0, got {eps}");
        int rows = x.Size / d;
        var y = Tensor.EmptyLike(x);                                  // x's shape
        var mean = Tensor.Empty(x.Shape.Without(-1), x.Device, x.DType);   // x's shape without D
        var rstd = Tensor.Empty(x.Shape.Without(-1), x.Device, x.DType);   // x's shape without D
        if (x.Device is IlgpuDevice g)
            g.GroupedKernel<ViewF, ViewF, ViewF, ViewF, ViewF, ViewF, int, float>(LayerNormKernels.Forward)(
                new KernelConfig(rows, GroupReduction.GroupSize(g, d)), x.View, gamma.View, beta.View, y.View, mean.View, rstd.View, d, eps);
        else if (x.DType == DType.Float32)
            LayerNormCpu.Forward(x.CpuArray<float>(), gamma.CpuArray<float>(), beta.CpuArray<float>(), y.CpuArray<float>(),
                mean.CpuArray<float>(), rstd.CpuArray<float>(), rows, d, eps);
        else
            LayerNormCpu.Forward(x.CpuArray<double>(), gamma.CpuArray<double>(), beta.CpuArray<double>(), y.CpuArray<double>(),
                mean.CpuArray<double>(), rstd.CpuArray<double>(), rows, d, eps);
        return new LayerNormResult(y, mean, rstd);
    }

    /// <summary>The gradients of <see cref="LayerNorm"/> given the forward's input, γ, and saved mean and rstd:
    /// dx (x's shape), and dγ, dβ (D) summed over all rows.</summary>
    public static (Tensor DX, Tensor DGamma, Tensor DBeta) LayerNormBackward(Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dy)
    {
        const string op = "LayerNormBackward";
        int d = CheckLayerNorm(op, x, gamma);
        var stats = x.Shape.Without(-1);
        Check.Binary(op, x, mean, "x", "mean");
        Check.Binary(op, x, rstd, "x", "rstd");
        Check.Binary(op, x, dy, "x", "dy");
        Check.Shape(op, mean, stats, "mean");
        Check.Shape(op, rstd, stats, "rstd");
        Check.Shape(op, dy, x.Shape, "dy");
        int rows = x.Size / d;
        var dx = Tensor.EmptyLike(x);         // x's shape
        var dGamma = Tensor.EmptyLike(gamma); // (D)
        var dBeta = Tensor.EmptyLike(gamma);  // (D)
        if (x.Device is IlgpuDevice g) LayerNormKernels.Backward(g, x, gamma, mean, rstd, dy, dx, dGamma, dBeta, rows, d);
        else if (x.DType == DType.Float32)
            LayerNormCpu.Backward(x.CpuArray<float>(), gamma.CpuArray<float>(), mean.CpuArray<float>(), rstd.CpuArray<float>(),
                dy.CpuArray<float>(), dx.CpuArray<float>(), dGamma.CpuArray<float>(), dBeta.CpuArray<float>(), rows, d);
        else
            LayerNormCpu.Backward(x.CpuArray<double>(), gamma.CpuArray<double>(), mean.CpuArray<double>(), rstd.CpuArray<double>(),
                dy.CpuArray<double>(), dx.CpuArray<double>(), dGamma.CpuArray<double>(), dBeta.CpuArray<double>(), rows, d);
        return (dx, dGamma, dBeta);
    }

    /// <summary>x is float of rank ≥ 1, γ has shape (D) on the same device with the same dtype; returns D.</summary>
    private static int CheckLayerNorm(string op, Tensor x, Tensor gamma)
    {
        Check.Float(op, x, "x");
        Check.MinRank(op, x, 1, "x");
        Check.Binary(op, x, gamma, "x", "gamma");
        int d = x.Shape[^1];
        Check.Shape(op, gamma, Shape.Of(d), "gamma");
        return d;
    }
}

internal static class LayerNormCpu
{
    /// <summary>Rows whose dγ, dβ contributions are accumulated together before the blocks are summed.</summary>
    private const int RowBlock = 32;

    public static void Forward<T>(T[] x, T[] gamma, T[] beta, T[] y, T[] mean, T[] rstd, int rows, int d, float eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(rows, 5L * d, (s, e) =>
        {
            for (int r = s; r < e; r++)
            {
                ReadOnlySpan<T> xs = x.AsSpan(r * d, d);
                Span<T> ys = y.AsSpan(r * d, d);
                T mu = T.CreateTruncating(ReduceCpu.Sum(xs) / d);
                TensorPrimitives.Subtract(xs, mu, ys);                                  // x − μ
                double variance = ReduceCpu.Dot<T>(ys, ys) / d;
                T rs = T.CreateTruncating(1.0 / Math.Sqrt(variance + eps));
                TensorPrimitives.Multiply(ys, rs, ys);                                  // n
                TensorPrimitives.MultiplyAdd(ys, gamma, beta, ys);                      // γ·n + β
                mean[r] = mu;
                rstd[r] = rs;
            }
        });
    }

    public static void Backward<T>(T[] x, T[] gamma, T[] mean, T[] rstd, T[] dy, T[] dx, T[] dGamma, T[] dBeta, int rows, int d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int blocks = (rows + RowBlock - 1) / RowBlock;
        var partialGamma = ArrayPool<T>.Shared.Rent(blocks * d);   // (blocks, D)
        var partialBeta = ArrayPool<T>.Shared.Rent(blocks * d);    // (blocks, D)
        CpuParallel.For(blocks, 8L * RowBlock * d, (s, e) =>
        {
            var norm = ArrayPool<T>.Shared.Rent(d);
            var scaled = ArrayPool<T>.Shared.Rent(d);
            Span<T> n = norm.AsSpan(0, d), g = scaled.AsSpan(0, d);
            for (int b = s; b < e; b++)
            {
                Span<T> pg = partialGamma.AsSpan(b * d, d), pb = partialBeta.AsSpan(b * d, d);
                pg.Clear();
                pb.Clear();
                for (int r = b * RowBlock; r < Math.Min(rows, (b + 1) * RowBlock); r++)
                {
                    ReadOnlySpan<T> xs = x.AsSpan(r * d, d), gs = dy.AsSpan(r * d, d);
                    Span<T> ds = dx.AsSpan(r * d, d);
                    TensorPrimitives.Subtract(xs, mean[r], n);
                    TensorPrimitives.Multiply(n, rstd[r], n);                           // n = (x − μ)·rstd
                    TensorPrimitives.Multiply(gamma, gs, g);                            // g = γ·dy
                    T meanG = T.CreateTruncating(ReduceCpu.Sum<T>(g) / d);
                    T meanGN = T.CreateTruncating(ReduceCpu.Dot<T>(g, n) / d);
                    TensorPrimitives.MultiplyAdd(n, -meanGN, g, ds);                    // g − n·mean(g·n)
                    TensorPrimitives.Subtract(ds, meanG, ds);
                    TensorPrimitives.Multiply(ds, rstd[r], ds);
                    TensorPrimitives.MultiplyAdd(n, gs, pg, pg);                        // dγ += n·dy
                    TensorPrimitives.Add(pb, gs, pb);                                   // dβ += dy
                }
            }
            ArrayPool<T>.Shared.Return(norm);
            ArrayPool<T>.Shared.Return(scaled);
        });
        ReduceCpu.Run(ReduceKind.Sum, partialGamma, dGamma, 1, blocks, d, 1.0);
        ReduceCpu.Run(ReduceKind.Sum, partialBeta, dBeta, 1, blocks, d, 1.0);
        ArrayPool<T>.Shared.Return(partialGamma);
        ArrayPool<T>.Shared.Return(partialBeta);
    }
}

internal static class LayerNormKernels
{
    public static void Backward(IlgpuDevice g, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dy,
        Tensor dx, Tensor dGamma, Tensor dBeta, int rows, int d)
    {
        g.GroupedKernel<ViewF, ViewF, ViewF, ViewF, ViewF, ViewF, int>(InputGradient)(
            new KernelConfig(rows, GroupReduction.GroupSize(g, d)), x.View, gamma.View, mean.View, rstd.View, dy.View, dx.View, d);
        int chunkLen = ReduceKernels.ColumnChunk(1, rows, d);
        int chunks = (rows + chunkLen - 1) / chunkLen;
        var load = g.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF, ViewF, ViewF, int, int, int>(ParameterGradients);
        if (chunks == 1)
        {
            load(d, x.View, mean.View, rstd.View, dy.View, dGamma.View, dBeta.View, rows, d, chunkLen);
            return;
        }
        using var partialGamma = Tensor.Empty(Shape.Of(chunks, d), g);   // (chunks, D)
        using var partialBeta = Tensor.Empty(Shape.Of(chunks, d), g);    // (chunks, D)
        load(chunks * d, x.View, mean.View, rstd.View, dy.View, partialGamma.View, partialBeta.View, rows, d, chunkLen);
        ReduceKernels.Run(g, ReduceKind.Sum, partialGamma.View, dGamma.View, 1, chunks, d, 1f);
        ReduceKernels.Run(g, ReduceKind.Sum, partialBeta.View, dBeta.View, 1, chunks, d, 1f);
    }

    /// <summary>One group per row: μ, then σ² around it (two passes), then y.</summary>
    [Kernel(Grouped = true)]
    internal static void Forward(ViewF x, ViewF gamma, ViewF beta, ViewF y, ViewF mean, ViewF rstd, int d, float eps)
    {
        var shared = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        int row = Grid.IdxX, start = row * d;
        float acc = 0f;
        for (int j = Group.IdxX; j < d; j += Group.DimX) acc += x[start + j];
        float mu = GroupReduction.GroupReduce<SumOperator>(shared, acc) / d;
        acc = 0f;
        for (int j = Group.IdxX; j < d; j += Group.DimX)
        {
            float c = x[start + j] - mu;
            acc += c * c;
        }
        float rs = 1f / MathF.Sqrt(GroupReduction.GroupReduce<SumOperator>(shared, acc) / d + eps);
        for (int j = Group.IdxX; j < d; j += Group.DimX) y[start + j] = (x[start + j] - mu) * rs * gamma[j] + beta[j];
        if (Group.IdxX == 0)
        {
            mean[row] = mu;
            rstd[row] = rs;
        }
    }

    /// <summary>One group per row: mean(g) and mean(g·n), then dx.</summary>
    [Kernel(Grouped = true)]
    private static void InputGradient(ViewF x, ViewF gamma, ViewF mean, ViewF rstd, ViewF dy, ViewF dx, int d)
    {
        var shared = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        int row = Grid.IdxX, start = row * d;
        float mu = mean[row], rs = rstd[row], sumG = 0f, sumGN = 0f;
        for (int j = Group.IdxX; j < d; j += Group.DimX)
        {
            float g = gamma[j] * dy[start + j];
            sumG += g;
            sumGN += g * (x[start + j] - mu) * rs;
        }
        float meanG = GroupReduction.GroupReduce<SumOperator>(shared, sumG) / d;
        float meanGN = GroupReduction.GroupReduce<SumOperator>(shared, sumGN) / d;
        for (int j = Group.IdxX; j < d; j += Group.DimX)
        {
            float n = (x[start + j] - mu) * rs;
            dx[start + j] = rs * (gamma[j] * dy[start + j] - meanG - n * meanGN);
        }
    }

    /// <summary>One thread per (chunk, column j): Σ over the chunk's rows of dy·n and of dy.</summary>
    [Kernel]
    private static void ParameterGradients(Index1D i, ViewF x, ViewF mean, ViewF rstd, ViewF dy, ViewF dGamma, ViewF dBeta,
        int rows, int d, int chunkLen)
    {
        int j = i % d, r0 = i / d * chunkLen, r1 = Math.Min(rows, r0 + chunkLen);
        float sumGamma = 0f, sumBeta = 0f;
        for (int r = r0; r < r1; r++)
        {
            float g = dy[r * d + j];
            sumGamma += g * (x[r * d + j] - mean[r]) * rstd[r];
            sumBeta += g;
        }
        dGamma[i] = sumGamma;
        dBeta[i] = sumBeta;
    }
}
