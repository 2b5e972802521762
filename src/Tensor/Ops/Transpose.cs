using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using ILGPU;
using ILGPU.Runtime;

namespace HyenaIL;

// Transpose: a contiguous copy of x with two axes swapped (float32, float64 on cpu, int32).
// With a0 < a1, view x as (A, D0, M, D1, N): A = the dimensions before a0, D0 = dim a0, M = the dimensions
// between, D1 = dim a1, N = the dimensions after a1. Then
//   forward:  y[a, j, m, i, n] = x[a, i, m, j, n],   y of shape (A, D1, M, D0, N)
//   backward: dx = Transpose(dy, a0, a1): a swap is its own inverse.
// Two paths:
//   N = 1 (the last axis moves, e.g. (B, L, D) ↔ (B, D, L) around every Hyena long convolution): one 2-D
//     transpose of a D0×D1 matrix per (a, m), in 32×32 tiles so that reads and writes both stay within a few
//     cache lines (on a GPU the tile goes through shared memory, so both are coalesced);
//   N > 1 (two non-last axes, e.g. attention heads (B, L, H, Dh) ↔ (B, H, L, Dh)): copies of contiguous
//     blocks of N elements.
// Swapping an axis with itself, or a size-1 axis with its neighbour, is a plain copy.

public static partial class Ops
{
    /// <summary>A contiguous copy of <paramref name="x"/> with axes <paramref name="axis0"/> and
    /// <paramref name="axis1"/> swapped (negative axes count from the end). Its backward is the same call.</summary>
    public static Tensor Transpose(Tensor x, int axis0, int axis1)
    {
        Check.Live("Transpose", x, "x");
        int a0 = NormalizeAxis("Transpose", x.Shape, axis0, "axis0");
        int a1 = NormalizeAxis("Transpose", x.Shape, axis1, "axis1");
        if (a0 > a1) (a0, a1) = (a1, a0);
        var s = x.Shape;
        var d = new TransposeDims(s.SizeBefore(a0), s[a0], s.SizeBefore(a1) / s.SizeBefore(a0 + 1), s[a1], s.SizeAfter(a1));
        var dims = s.ToArray();
        (dims[a0], dims[a1]) = (dims[a1], dims[a0]);
        if (a0 == a1 || ((d.D0 == 1 || d.D1 == 1) && d.M == 1))
        {
            using var sameLayout = x.Reshape(dims);
            return sameLayout.Clone();
        }
        var y = Tensor.Empty(new Shape(dims), x.Device, x.DType); // (A, D1, M, D0, N)
        if (x.Device is IlgpuDevice g)
        {
            if (x.DType == DType.Int32) TransposeKernels.Run(g, x.IntView, y.IntView, d);
            else TransposeKernels.Run(g, x.View, y.View, d);
        }
        else if (x.DType == DType.Float32) TransposeCpu.Run(x.CpuArray<float>(), y.CpuArray<float>(), d);
        else if (x.DType == DType.Float64) TransposeCpu.Run(x.CpuArray<double>(), y.CpuArray<double>(), d);
        else TransposeCpu.Run(x.CpuArray<int>(), y.CpuArray<int>(), d);
        return y;
    }

    /// <summary>Turns a possibly negative axis into [0, rank), or throws naming the op, the argument and the
    /// shape. Shared by the shape operations (Transpose, Slice, Concat, Split).</summary>
    private static int NormalizeAxis(string op, Shape shape, int axis, string what = "axis")
    {
        int a = axis < 0 ? axis + shape.Rank : axis;
        if (a < 0 || a >= shape.Rank)
            throw new ArgumentOutOfRangeException(what, axis,
                $"{op}: {what} {axis} is out of range for shape {shape} of rank {shape.Rank} (valid: {-shape.Rank} to {shape.Rank - 1})");
        return a;
    }
}

/// <summary>x viewed as (A, D0, M, D1, N); the transpose swaps D0 and D1.
/// A kernel argument: public, as ILGPU's generated launchers need.</summary>
public readonly struct TransposeDims(int a, int d0, int m, int d1, int n)
{
    public readonly int A = a;
    public readonly int D0 = d0;
    public readonly int M = m;
    public readonly int D1 = d1;
    public readonly int N = n;
}

internal static class TransposeCpu
{
    internal const int Tile = 32;

    public static void Run<T>(T[] x, T[] y, TransposeDims d) where T : unmanaged
    {
        if (d.N == 1) Tiled(x, y, d);
        else Blocks(x, y, d);
    }

    // N = 1: for each (a, m), y[a, :, m, :] (D1×D0, row stride M·D0) is the transpose of x[a, :, m, :]
    // (D0×D1, row stride M·D1). One work item is one band of Tile rows of x, walked tile by tile along D1.
    // Within a tile, 8×8 blocks of 4-byte elements go through AVX registers; the ragged edges, and every
    // element where AVX is missing or elements are 8 bytes, are moved one by one.
    private static void Tiled<T>(T[] x, T[] y, TransposeDims d) where T : unmanaged
    {
        int bands = (d.D0 + Tile - 1) / Tile;
        long xRow = (long)d.M * d.D1, yRow = (long)d.M * d.D0;
        bool simd = Avx.IsSupported && Unsafe.SizeOf<T>() == sizeof(float);
        CpuParallel.For(d.A * d.M * bands, (long)Tile * d.D1, (start, end) =>
        {
            ref T xs = ref MemoryMarshal.GetArrayDataReference(x);
            ref T ys = ref MemoryMarshal.GetArrayDataReference(y);
            for (int item = start; item < end; item++)
            {
                int band = item % bands, am = item / bands;
                int a = am / d.M, m = am % d.M;
                ref T xm = ref Unsafe.Add(ref xs, (nint)((long)a * d.D0 * xRow + m * d.D1)); // x[a, 0, m, 0]
                ref T ym = ref Unsafe.Add(ref ys, (nint)((long)a * d.D1 * yRow + m * d.D0)); // y[a, 0, m, 0]
                int i0 = band * Tile, i1 = Math.Min(i0 + Tile, d.D0);
                int i8 = simd ? i0 + (i1 - i0) / 8 * 8 : i0;
                for (int j0 = 0; j0 < d.D1; j0 += Tile)
                {
                    int j1 = Math.Min(j0 + Tile, d.D1);
                    int j8 = simd ? j0 + (j1 - j0) / 8 * 8 : j0;
                    for (int i = i0; i < i8; i += 8)
                    {
                        for (int j = j0; j < j8; j += 8)
                        {
                            Transpose8x8(ref Unsafe.As<T, float>(ref Unsafe.Add(ref xm, (nint)(i * xRow + j))), xRow,
                                ref Unsafe.As<T, float>(ref Unsafe.Add(ref ym, (nint)(j * yRow + i))), yRow);
                        }
                    }
                    ScalarBlock(ref xm, xRow, ref ym, yRow, i8, i1, j0, j1);
                    ScalarBlock(ref xm, xRow, ref ym, yRow, i0, i8, j8, j1);
                }
            }
        });
    }

    /// <summary>y[j, i] = x[i, j] for i in [i0, i1), j in [j0, j1), one element at a time.</summary>
    private static void ScalarBlock<T>(ref T x, long xRow, ref T y, long yRow, int i0, int i1, int j0, int j1)
    {
        for (int j = j0; j < j1; j++)
        {
            ref T src = ref Unsafe.Add(ref x, j);
            ref T dst = ref Unsafe.Add(ref y, (nint)(j * yRow));
            for (int i = i0; i < i1; i++)
                Unsafe.Add(ref dst, i) = Unsafe.Add(ref src, (nint)(i * xRow));
        }
    }

    /// <summary>The 8×8 block at x (row stride xRow) transposed into y (row stride yRow): unpack pairs of rows,
    /// shuffle pairs of pairs, then swap 128-bit halves. Pure data movement: the bits of any 4-byte type survive.</summary>
    private static void Transpose8x8(ref float x, long xRow, ref float y, long yRow)
    {
        var r0 = Vector256.LoadUnsafe(ref x);
        var r1 = Vector256.LoadUnsafe(ref x, (nuint)xRow);
        var r2 = Vector256.LoadUnsafe(ref x, (nuint)(2 * xRow));
        var r3 = Vector256.LoadUnsafe(ref x, (nuint)(3 * xRow));
        var r4 = Vector256.LoadUnsafe(ref x, (nuint)(4 * xRow));
        var r5 = Vector256.LoadUnsafe(ref x, (nuint)(5 * xRow));
        var r6 = Vector256.LoadUnsafe(ref x, (nuint)(6 * xRow));
        var r7 = Vector256.LoadUnsafe(ref x, (nuint)(7 * xRow));
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).StoreUnsafe(ref y);
        Avx.Permute2x128(s1, s5, 0x20).StoreUnsafe(ref y, (nuint)yRow);
        Avx.Permute2x128(s2, s6, 0x20).StoreUnsafe(ref y, (nuint)(2 * yRow));
        Avx.Permute2x128(s3, s7, 0x20).StoreUnsafe(ref y, (nuint)(3 * yRow));
        Avx.Permute2x128(s0, s4, 0x31).StoreUnsafe(ref y, (nuint)(4 * yRow));
        Avx.Permute2x128(s1, s5, 0x31).StoreUnsafe(ref y, (nuint)(5 * yRow));
        Avx.Permute2x128(s2, s6, 0x31).StoreUnsafe(ref y, (nuint)(6 * yRow));
        Avx.Permute2x128(s3, s7, 0x31).StoreUnsafe(ref y, (nuint)(7 * yRow));
    }

    // N > 1: output row (a, j, m) is D0 blocks of N contiguous elements, block i copied from x[a, i, m, j, :].
    private static void Blocks<T>(T[] x, T[] y, TransposeDims d) where T : unmanaged
    {
        int n = d.N;
        long xStride = (long)d.M * d.D1 * n;
        CpuParallel.For(d.A * d.D1 * d.M, (long)d.D0 * n, (start, end) =>
        {
            for (int row = start; row < end; row++)
            {
                int m = row % d.M, aj = row / d.M;
                int j = aj % d.D1, a = aj / d.D1;
                long xBase = (((long)a * d.D0 * d.M + m) * d.D1 + j) * n, yBase = (long)row * d.D0 * n;
                for (int i = 0; i < d.D0; i++)
                    x.AsSpan((int)(xBase + i * xStride), n).CopyTo(y.AsSpan((int)(yBase + (long)i * n), n));
            }
        });
    }
}

internal static class TransposeKernels
{
    private const int Tile = TransposeCpu.Tile;
    private const int MaxGroup = 256;

    public static void Run<T>(IlgpuDevice g, ArrayView<T> x, ArrayView<T> y, TransposeDims d) where T : unmanaged
    {
        int size = d.A * d.D0 * d.M * d.D1 * d.N;
        if (d.N > 1)
        {
            g.Kernel<Index1D, ArrayView<T>, ArrayView<T>, TransposeDims>(Gather)(size, x, y, d);
            return;
        }
        int tiles = d.A * d.M * ((d.D0 + Tile - 1) / Tile) * ((d.D1 + Tile - 1) / Tile);
        int group = Math.Min(MaxGroup, g.Accelerator.MaxNumThreadsPerGroup);
        g.GroupedKernel<ArrayView<T>, ArrayView<T>, TransposeDims>(Tiled)(new KernelConfig(tiles, group), x, y, d);
    }

    /// <summary>One thread per output element y[a, j, m, i, n], reading x[a, i, m, j, n]; consecutive threads
    /// touch consecutive n, so blocks of N elements are read and written contiguously.</summary>
    [Kernel(typeof(float), typeof(int))]
    internal static void Gather<T>(Index1D index, ArrayView<T> x, ArrayView<T> y, TransposeDims d) where T : unmanaged
    {
        int r = index;
        int n = r % d.N; r /= d.N;
        int i = r % d.D0; r /= d.D0;
        int m = r % d.M; r /= d.M;
        int j = r % d.D1;
        int a = r / d.D1;
        y[index] = x[(((a * d.D0 + i) * d.M + m) * d.D1 + j) * d.N + n];
    }

    /// <summary>One group per 32×32 tile of one (a, m) matrix: the group reads the tile row by row into shared
    /// memory (padded by one column against bank conflicts), then writes it transposed, row by row. Works for
    /// any group size: each thread strides over the tile's elements.</summary>
    [Kernel(typeof(float), typeof(int), Grouped = true)]
    internal static void Tiled<T>(ArrayView<T> x, ArrayView<T> y, TransposeDims d) where T : unmanaged
    {
        var tile = SharedMemory.Allocate<T>(Tile * (Tile + 1));
        int tilesJ = (d.D1 + Tile - 1) / Tile, tilesI = (d.D0 + Tile - 1) / Tile;
        int t = Grid.IdxX;
        int j0 = t % tilesJ * Tile; t /= tilesJ;
        int i0 = t % tilesI * Tile; t /= tilesI;
        int a = t / d.M, m = t % d.M;
        int xRow = d.M * d.D1, yRow = d.M * d.D0;
        int xBase = a * d.D0 * xRow + m * d.D1, yBase = a * d.D1 * yRow + m * d.D0;
        for (int e = Group.IdxX; e < Tile * Tile; e += Group.DimX)
        {
            int i = i0 + e / Tile, j = j0 + e % Tile;
            if (i < d.D0 && j < d.D1) tile[e / Tile * (Tile + 1) + e % Tile] = x[xBase + i * xRow + j];
        }
        Group.Barrier();
        for (int e = Group.IdxX; e < Tile * Tile; e += Group.DimX)
        {
            int j = j0 + e / Tile, i = i0 + e % Tile;
            if (i < d.D0 && j < d.D1) y[yBase + j * yRow + i] = tile[e % Tile * (Tile + 1) + e / Tile];
        }
    }
}
