namespace HyenaIL;

// Matrix multiplication, batched.
//   forward:  C[i, j] = Σ_k op(A)[i, k] · op(B)[k, j], with op(X) = X, or Xᵀ when the transpose flag is set;
//             C (M, N), op(A) (M, K), op(B) (K, N). MatmulInto with accumulate: C += op(A)·op(B).
//   backward (for C = A·B): dA = dC·Bᵀ = Matmul(dC, B, transB: true), dB = Aᵀ·dC = Matmul(A, dC, transA: true),
//             summed over any batch a shared operand was broadcast across. The transpose flags exist so that
//             these products need no transposed copies; accumulate exists so that dW += xᵀ·dy needs no temporary.
// Batching: A (..., M, K) [(..., K, M) when transA], B (K, N) [(N, K) when transB] or (..., K, N).
//   B 2-D: shared by every matrix of A's batch (the Linear layer; when !transA the batch folds into M).
//   A 2-D, B batched: A is shared by every matrix of B's batch.  Both batched: the batch dimensions are equal.
// CPU float32: a packed, register-blocked GEMM (MatmulCpu.cs); CPU float64: a simple blocked loop (for gradient
// checks); ILGPU: a tiled shared-memory kernel (MatmulKernels.cs).

public static partial class Ops
{
    /// <summary>op(a)·op(b) in a new tensor of shape (..., M, N); see the batching rules in the file header.</summary>
    /// <param name="a">(..., M, K), or (..., K, M) when <paramref name="transA"/>.</param>
    /// <param name="b">(K, N) or (..., K, N); (N, K) or (..., N, K) when <paramref name="transB"/>.</param>
    public static Tensor Matmul(Tensor a, Tensor b, bool transA = false, bool transB = false)
    {
        Check.Binary("Matmul", a, b);
        var plan = MatmulPlan.Create("Matmul", a.Shape, b.Shape, transA, transB);
        var c = Tensor.Empty(plan.Output, a.Device, a.DType);
        Run(a, b, c, plan, accumulate: false, MatmulCpu.BestKernel);
        return c;
    }

    /// <summary>c = op(a)·op(b), or c += op(a)·op(b) when <paramref name="accumulate"/>. <paramref name="c"/> has
    /// exactly the shape <see cref="Matmul"/> would return and shares no buffer with a or b.</summary>
    public static void MatmulInto(Tensor a, Tensor b, Tensor c, bool transA = false, bool transB = false, bool accumulate = false) =>
        MatmulInto(a, b, c, transA, transB, accumulate, MatmulCpu.BestKernel);

    /// <summary><see cref="MatmulInto(Tensor, Tensor, Tensor, bool, bool, bool)"/> with the CPU float32 micro-kernel
    /// chosen by the caller, so that tests can run the narrower kernels on a machine that has wider ones.</summary>
    internal static void MatmulInto(Tensor a, Tensor b, Tensor c, bool transA, bool transB, bool accumulate, GemmKernel kernel)
    {
        const string op = "MatmulInto";
        Check.Binary(op, a, b);
        Check.SameDevice(op, a, c, "a", "c");
        Check.SameDType(op, a, c, "a", "c");
        var plan = MatmulPlan.Create(op, a.Shape, b.Shape, transA, transB);
        Check.Shape(op, c, plan.Output, "c");
        if (ReferenceEquals(c.Storage, a.Storage) || ReferenceEquals(c.Storage, b.Storage))
            throw new ArgumentException($"{op}: c {c.Shape} shares its buffer with an operand; the product cannot be written in place");
        Run(a, b, c, plan, accumulate, kernel);
    }

    private static void Run(Tensor a, Tensor b, Tensor c, MatmulPlan plan, bool accumulate, GemmKernel kernel)
    {
        if (a.Device is IlgpuDevice g) MatmulKernels.Run(g, a.View, b.View, c.View, plan, accumulate);
        else if (a.DType == DType.Float32) MatmulCpu.Sgemm(a.CpuArray<float>(), b.CpuArray<float>(), c.CpuArray<float>(), plan, accumulate, kernel);
        else MatmulCpu.Gemm(a.CpuArray<double>(), b.CpuArray<double>(), c.CpuArray<double>(), plan, accumulate);
    }
}

/// <summary>
/// One matmul call reduced to <see cref="Batch"/> products C (M, N) = op(A) (M, K) · op(B) (K, N), each operand
/// <see cref="StrideA"/>/<see cref="StrideB"/>/<see cref="StrideC"/> elements after the previous one (0: shared).
/// </summary>
internal readonly record struct MatmulPlan(
    int M, int N, int K, bool TransA, bool TransB, int Batch, int StrideA, int StrideB, int StrideC, Shape Output)
{
    /// <summary>Element offset of A(i, k) from its matrix's start: row-major (M, K), or (K, M) when transposed.</summary>
    public int RowStrideA => TransA ? 1 : K;

    public int ColStrideA => TransA ? M : 1;

    /// <summary>Element offset of B(k, j): row-major (K, N), or (N, K) when transposed.</summary>
    public int RowStrideB => TransB ? 1 : N;

    public int ColStrideB => TransB ? K : 1;

    public static MatmulPlan Create(string op, Shape a, Shape b, bool transA, bool transB)
    {
        string Fail(string why) =>
            $"{op}(transA: {Flag(transA)}, transB: {Flag(transB)}): cannot multiply a {a} by b {b}: {why}";
        if (a.Rank < 2 || b.Rank < 2)
            throw new ShapeException(Fail("both operands need at least 2 dimensions (matrices, or batches of them)"));
        int m = transA ? a[-1] : a[-2], ka = transA ? a[-2] : a[-1];
        int kb = transB ? b[-1] : b[-2], n = transB ? b[-2] : b[-1];
        if (ka != kb)
            throw new ShapeException(Fail($"the inner dimensions differ: op(a) is ({m}, {ka}), op(b) is ({kb}, {n})"));
        int batchA = a.SizeBefore(a.Rank - 2), batchB = b.SizeBefore(b.Rank - 2);
        if (b.Rank == 2)
        {
            var output = OutputShape(a, m, n);
            return transA
                ? new MatmulPlan(m, n, ka, true, transB, batchA, m * ka, 0, m * n, output)
                : new MatmulPlan(m * batchA, n, ka, false, transB, 1, 0, 0, 0, output);
        }
        if (a.Rank == 2)
            return new MatmulPlan(m, n, ka, transA, transB, batchB, 0, kb * n, m * n, OutputShape(b, m, n));
        if (!a.AsSpan()[..^2].SequenceEqual(b.AsSpan()[..^2]))
            throw new ShapeException(Fail("the batch dimensions (all but the last two) differ; they must be equal, or one operand 2-D"));
        return new MatmulPlan(m, n, ka, transA, transB, batchA, m * ka, kb * n, m * n, OutputShape(a, m, n));
    }

    /// <summary>The batch dimensions of <paramref name="batch"/> followed by (m, n), built in one step: replacing one
    /// dimension at a time could pass through a shape larger than a tensor may be.</summary>
    private static Shape OutputShape(Shape batch, int m, int n) => new([.. batch.AsSpan()[..^2], m, n]);

    private static string Flag(bool x) => x ? "true" : "false";
}
