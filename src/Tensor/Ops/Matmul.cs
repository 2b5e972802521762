using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Matrix product C = op(A)·op(B), op = identity or transpose, batched.
//   a: (..., M, K), or (..., K, M) with transA;  b: (..., K, N), or (..., N, K) with transB.
//   Batch: b 2-D is shared by every matrix of a; a 2-D is shared by every matrix of b; otherwise equal batch dims.

/// <summary>Strides of one batched matrix product, for kernels.</summary>
public struct MatmulDims
{
    public int M, N, K, BatchStrideA, BatchStrideB, RowA, ColA, RowB, ColB, Accumulate;
}

public static partial class Ops
{
    public static Tensor Matmul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        var (batchShape, m, n, _) = MatmulShapes(a, b, transA, transB);
        var c = Tensor.Empty(new Shape([.. batchShape, m, n]), a.Device, a.DType);
        MatmulInto(a, b, c, transA, transB, false);
        return c;
    }

    /// <summary>c = op(a)·op(b), or c += op(a)·op(b) when <paramref name="accumulate"/>.</summary>
    public static void MatmulInto(Tensor a, Tensor b, Tensor c, bool transA = false, bool transB = false, bool accumulate = false)
    {
        var (batchShape, m, n, k) = MatmulShapes(a, b, transA, transB);
        Check.Binary("Matmul", a, c, "a", "c");
        Check.Shape("Matmul", c, new Shape([.. batchShape, m, n]), "c");
        int batch = c.Size / (m * n);
        var d = new MatmulDims
        {
            M = m, N = n, K = k,
            BatchStrideA = a.Rank == 2 ? 0 : m * k, BatchStrideB = b.Rank == 2 ? 0 : k * n,
            RowA = transA ? 1 : k, ColA = transA ? m : 1, RowB = transB ? 1 : n, ColB = transB ? k : 1,
            Accumulate = accumulate ? 1 : 0,
        };
        if (a.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewF, ViewF, MatmulDims>(MatmulKernels.Naive)(c.Size, a.View, b.View, c.View, d);
        else if (a.DType == DType.Float32) MatmulCpu.Run(a.CpuArray<float>(), b.CpuArray<float>(), c.CpuArray<float>(), batch, d);
        else MatmulCpu.Run(a.CpuArray<double>(), b.CpuArray<double>(), c.CpuArray<double>(), batch, d);
    }

    private static (int[] Batch, int M, int N, int K) MatmulShapes(Tensor a, Tensor b, bool transA, bool transB)
    {
        Check.Binary("Matmul", a, b, "a", "b");
        Check.MinRank("Matmul", a, 2, "a");
        Check.MinRank("Matmul", b, 2, "b");
        int m = transA ? a.Shape[-1] : a.Shape[-2], ka = transA ? a.Shape[-2] : a.Shape[-1];
        int kb = transB ? b.Shape[-1] : b.Shape[-2], n = transB ? b.Shape[-2] : b.Shape[-1];
        string Describe() => $"a {a.Shape}{(transA ? "ᵀ" : "")} and b {b.Shape}{(transB ? "ᵀ" : "")}";
        if (ka != kb) throw new ShapeException($"Matmul: inner dimensions differ ({ka} against {kb}) for {Describe()}");
        int[] batchA = a.Shape.ToArray()[..^2], batchB = b.Shape.ToArray()[..^2];
        if (batchA.Length > 0 && batchB.Length > 0 && !batchA.SequenceEqual(batchB))
            throw new ShapeException($"Matmul: batch dimensions differ for {Describe()}; batches must be equal, or one operand 2-D");
        return (batchA.Length > 0 ? batchA : batchB, m, n, ka);
    }
}

internal static class MatmulKernels
{
    [Kernel]
    internal static void Naive(Index1D idx, ViewF a, ViewF b, ViewF c, MatmulDims d)
    {
        int j = idx % d.N, i = idx / d.N % d.M, bi = idx / (d.N * d.M);
        float acc = 0f;
        for (int kk = 0; kk < d.K; kk++)
            acc += a[bi * d.BatchStrideA + i * d.RowA + kk * d.ColA] * b[bi * d.BatchStrideB + kk * d.RowB + j * d.ColB];
        c[idx] = d.Accumulate != 0 ? c[idx] + acc : acc;
    }
}
