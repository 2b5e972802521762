using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// The ILGPU matmul: C[i, j] (+)= Σ_k op(A)[i, k] · op(B)[k, j] (formulas in Matmul.cs). A group of T × T threads
// computes a (T·R) × (T·R) tile of C for one product of the batch; each thread holds R × R = 4 × 4 outputs in
// registers, rows y + r·T and columns x + s·T of the tile. The group walks the inner dimension in steps of T: its
// threads copy a (T·R) × T slice of op(A) and a T × (T·R) slice of op(B) into shared memory (out-of-range elements
// as 0, so any M, N, K work), wait, and each thread adds T rank-1 updates of R × R products (R loads of A and R of B
// for R² multiply-adds). The copies walk along whichever index is contiguous in memory, so they coalesce with or
// without transposes. T is the largest power of two with T² threads in a group, at most 16: 4 on the ilgpu-cpu
// simulator (16 threads per group, 16 × 16 tiles), 16 on a GPU (256 threads, 64 × 64 tiles).

/// <summary>Sizes, strides and flags of one matmul launch, passed by value to the kernel (public because ILGPU's
/// generated launcher must see it, like <see cref="BroadcastMap"/>).</summary>
public struct MatmulArgs
{
    public int M, N, K;

    /// <summary>Element offsets of op(A)[i, k] = a[i·RowStrideA + k·ColStrideA], and likewise for op(B).</summary>
    public int RowStrideA, ColStrideA, RowStrideB, ColStrideB;

    /// <summary>Elements between consecutive products of the batch (0 for a shared operand).</summary>
    public int StrideA, StrideB, StrideC;

    /// <summary>Index of the batch's first product in this launch (grids hold at most 65535 products).</summary>
    public int BatchStart;

    /// <summary>1: load A tiles walking along i (A is stored transposed); likewise for B along k.</summary>
    public int TransA, TransB;

    /// <summary>1: C += the product; 0: C = the product.</summary>
    public int Accumulate;
}

internal static class MatmulKernels
{
    /// <summary>The largest group edge T; the shared slices are allocated for it.</summary>
    public const int MaxGroupEdge = 16;

    /// <summary>Outputs per thread along each axis (R).</summary>
    public const int PerThread = 4;

    /// <summary>CUDA's limit on the grid's second and third dimensions.</summary>
    private const int MaxGridYZ = 65535;

    /// <summary>The group edge T for an accelerator: the largest power of two with T² ≤ its group size, ≤ 16.</summary>
    public static int GroupEdgeFor(int maxThreadsPerGroup)
    {
        int t = 1;
        while (t * 2 <= MaxGroupEdge && (t * 2) * (t * 2) <= maxThreadsPerGroup) t *= 2;
        return t;
    }

    public static void Run(IlgpuDevice g, ViewF a, ViewF b, ViewF c, MatmulPlan plan, bool accumulate)
    {
        int t = GroupEdgeFor(g.Accelerator.MaxNumThreadsPerGroup), span = t * PerThread;
        int rowTiles = (plan.M + span - 1) / span, colTiles = (plan.N + span - 1) / span;
        if (colTiles > MaxGridYZ)
            throw new ShapeException($"Matmul: N = {plan.N} needs {colTiles} column tiles of {span}; a grid holds at most {MaxGridYZ}");
        var args = new MatmulArgs
        {
            M = plan.M, N = plan.N, K = plan.K,
            RowStrideA = plan.RowStrideA, ColStrideA = plan.ColStrideA,
            RowStrideB = plan.RowStrideB, ColStrideB = plan.ColStrideB,
            StrideA = plan.StrideA, StrideB = plan.StrideB, StrideC = plan.StrideC,
            TransA = plan.TransA ? 1 : 0, TransB = plan.TransB ? 1 : 0, Accumulate = accumulate ? 1 : 0,
        };
        var kernel = g.GroupedKernel<ViewF, ViewF, ViewF, MatmulArgs>(Tiled);
        for (int start = 0; start < plan.Batch; start += MaxGridYZ)
        {
            args.BatchStart = start;
            int count = Math.Min(MaxGridYZ, plan.Batch - start);
            kernel(new KernelConfig(new Index3D(rowTiles, colTiles, count), new Index3D(t, t, 1)), a, b, c, args);
        }
    }

    /// <summary>Grid (row tiles, column tiles, products), groups (T, T, 1): thread (x, y) computes C[row0 + y + r·T,
    /// col0 + x + s·T] for r, s in 0..3, with row0, col0 the tile's corner.</summary>
    [Kernel(Grouped = true)]
    internal static void Tiled(ViewF a, ViewF b, ViewF c, MatmulArgs p)
    {
        const int slice = MaxGroupEdge * MaxGroupEdge * PerThread;
        var tileA = SharedMemory.Allocate<float>(slice); // (T, T·R): op(A)[row0 + i, k0 + q] at q·T·R + i
        var tileB = SharedMemory.Allocate<float>(slice); // (T, T·R): op(B)[k0 + q, col0 + j] at q·T·R + j
        int t = Group.DimX, x = Group.IdxX, y = Group.IdxY, span = t * PerThread;
        int row0 = Grid.IdxX * span, col0 = Grid.IdxY * span, product = p.BatchStart + Grid.IdxZ;
        int offA = product * p.StrideA, offB = product * p.StrideB;
        float c00 = 0f, c01 = 0f, c02 = 0f, c03 = 0f, c10 = 0f, c11 = 0f, c12 = 0f, c13 = 0f;
        float c20 = 0f, c21 = 0f, c22 = 0f, c23 = 0f, c30 = 0f, c31 = 0f, c32 = 0f, c33 = 0f;
        for (int k0 = 0; k0 < p.K; k0 += t)
        {
            // Each thread copies R elements of each slice; consecutive e walk the index contiguous in memory.
            for (int e = y * t + x; e < span * t; e += t * t)
            {
                int i = p.TransA != 0 ? e % span : e / t, qa = p.TransA != 0 ? e / span : e % t;
                int row = row0 + i, ka = k0 + qa;
                tileA[qa * span + i] = row < p.M && ka < p.K ? a[offA + row * p.RowStrideA + ka * p.ColStrideA] : 0f;
                int j = p.TransB != 0 ? e / t : e % span, qb = p.TransB != 0 ? e % t : e / span;
                int col = col0 + j, kb = k0 + qb;
                tileB[qb * span + j] = kb < p.K && col < p.N ? b[offB + kb * p.RowStrideB + col * p.ColStrideB] : 0f;
            }
            Group.Barrier();
            for (int q = 0; q < t; q++)
            {
                int at = q * span;
                float a0 = tileA[at + y], a1 = tileA[at + y + t], a2 = tileA[at + y + 2 * t], a3 = tileA[at + y + 3 * t];
                float b0 = tileB[at + x], b1 = tileB[at + x + t], b2 = tileB[at + x + 2 * t], b3 = tileB[at + x + 3 * t];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }
        int r0 = row0 + y, s0 = col0 + x;
        StoreRow(c, p, product, r0, s0, t, c00, c01, c02, c03);
        StoreRow(c, p, product, r0 + t, s0, t, c10, c11, c12, c13);
        StoreRow(c, p, product, r0 + 2 * t, s0, t, c20, c21, c22, c23);
        StoreRow(c, p, product, r0 + 3 * t, s0, t, c30, c31, c32, c33);
    }

    /// <summary>Writes (or adds) one thread's R outputs of row <paramref name="row"/>: columns col, col + T, ….</summary>
    private static void StoreRow(ViewF c, MatmulArgs p, int product, int row, int col, int t, float v0, float v1, float v2, float v3)
    {
        if (row >= p.M) return;
        int at = product * p.StrideC + row * p.N;
        Store(c, p, at, col, v0);
        Store(c, p, at, col + t, v1);
        Store(c, p, at, col + 2 * t, v2);
        Store(c, p, at, col + 3 * t, v3);
    }

    private static void Store(ViewF c, MatmulArgs p, int rowStart, int col, float v)
    {
        if (col >= p.N) return;
        c[rowStart + col] = p.Accumulate != 0 ? c[rowStart + col] + v : v;
    }
}
