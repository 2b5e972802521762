using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// The ILGPU matmul: C[i, j] (+)= Σ_k op(A)[i, k] · op(B)[k, j] (formulas in Matmul.cs), one group per T × T tile of
// C and per product of the batch. The group walks the inner dimension in steps of T: its threads copy a T × T tile
// of op(A) and one of op(B) into shared memory (out-of-range elements as 0, so any M, N, K work), wait, and each
// thread adds the T products of its row of the A tile and column of the B tile. The loads walk along whichever index
// is contiguous in memory, so they coalesce with or without transposes. T is the largest power of two with T² threads
// in a group, at most 16: 4 on the ilgpu-cpu simulator (16 threads per group), 16 on a GPU.

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
    /// <summary>The largest tile edge; the shared tiles are allocated at this size.</summary>
    public const int MaxTile = 16;

    /// <summary>CUDA's limit on the grid's second and third dimensions.</summary>
    private const int MaxGridYZ = 65535;

    /// <summary>The tile edge T for an accelerator: the largest power of two with T² ≤ its group size, ≤ MaxTile.</summary>
    public static int TileFor(int maxThreadsPerGroup)
    {
        int t = 1;
        while (t * 2 <= MaxTile && (t * 2) * (t * 2) <= maxThreadsPerGroup) t *= 2;
        return t;
    }

    public static void Run(IlgpuDevice g, ViewF a, ViewF b, ViewF c, MatmulPlan plan, bool accumulate)
    {
        int tile = TileFor(g.Accelerator.MaxNumThreadsPerGroup);
        int rowTiles = (plan.M + tile - 1) / tile, colTiles = (plan.N + tile - 1) / tile;
        if (colTiles > MaxGridYZ)
            throw new ShapeException($"Matmul: N = {plan.N} needs {colTiles} column tiles of {tile}; a grid holds at most {MaxGridYZ}");
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
            kernel(new KernelConfig(new Index3D(rowTiles, colTiles, count), new Index3D(tile, tile, 1)), a, b, c, args);
        }
    }

    /// <summary>Grid (row tiles, column tiles, products), groups (T, T, 1): thread (x, y) of a group computes
    /// C[tileRow·T + y, tileCol·T + x].</summary>
    [Kernel(Grouped = true)]
    internal static void Tiled(ViewF a, ViewF b, ViewF c, MatmulArgs p)
    {
        var tileA = SharedMemory.Allocate<float>(MaxTile * MaxTile); // (T, T): op(A)[row0 + r, k0 + q] at r·T + q
        var tileB = SharedMemory.Allocate<float>(MaxTile * MaxTile); // (T, T): op(B)[k0 + q, col0 + j] at q·T + j
        int t = Group.DimX, x = Group.IdxX, y = Group.IdxY;
        int row0 = Grid.IdxX * t, col0 = Grid.IdxY * t, product = p.BatchStart + Grid.IdxZ;
        int offA = product * p.StrideA, offB = product * p.StrideB, offC = product * p.StrideC;
        // Consecutive x walk the contiguous index: k for A (M, K), i for A stored (K, M); j for B (K, N), k for (N, K).
        int ra = p.TransA != 0 ? x : y, qa = p.TransA != 0 ? y : x;
        int qb = p.TransB != 0 ? x : y, jb = p.TransB != 0 ? y : x;
        float sum = 0f;
        for (int k0 = 0; k0 < p.K; k0 += t)
        {
            int i = row0 + ra, ka = k0 + qa;
            tileA[ra * t + qa] = i < p.M && ka < p.K ? a[offA + i * p.RowStrideA + ka * p.ColStrideA] : 0f;
            int kb = k0 + qb, j = col0 + jb;
            tileB[qb * t + jb] = kb < p.K && j < p.N ? b[offB + kb * p.RowStrideB + j * p.ColStrideB] : 0f;
            Group.Barrier();
            for (int q = 0; q < t; q++)
                sum += tileA[y * t + q] * tileB[q * t + x];
            Group.Barrier();
        }
        int row = row0 + y, col = col0 + x;
        if (row < p.M && col < p.N)
        {
            int at = offC + row * p.N + col;
            c[at] = p.Accumulate != 0 ? c[at] + sum : sum;
        }
    }
}
