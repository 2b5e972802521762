using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HyenaIL;

// CPU matrix product C (M×N) = op(A)·op(B) (+ C), row-major, in the GotoBLAS/BLIS style:
//   for each block of K (KC) and of N (NC): pack op(B) into column panels of NR; then, in parallel over blocks of M
//   (MC), pack op(A) into row panels of MR and run a register-blocked MR×NR micro-kernel over the tile grid.
// The micro-kernel keeps a 6×16 tile of C in twelve 256-bit registers and adds one rank-1 update per k with
// fused multiply-adds; transposed operands cost nothing but a different packing. Edge tiles go through a
// temporary tile. float64 (gradient checks only) uses plain dot products.

internal static class MatmulCpu
{
    private const int MR = 6, NR = 16;
    private const int KC = 256, MC = 96, NC = 2048;

    public static void Run<T>(T[] a, T[] b, T[] c, int batch, MatmulDims d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int bi = 0; bi < batch; bi++)
        {
            var job = new Job(bi * d.BatchStrideA, bi * d.BatchStrideB, bi * d.M * d.N, d);
            if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated) Gemm(Unsafe.As<float[]>(a), Unsafe.As<float[]>(b), Unsafe.As<float[]>(c), job);
            else DotProducts(a, b, c, job);
        }
    }

    private readonly record struct Job(int OffsetA, int OffsetB, int OffsetC, MatmulDims D);

    private static void Gemm(float[] a, float[] b, float[] c, Job job)
    {
        var d = job.D;
        bool first = true;
        for (int pc = 0; pc < d.K; pc += KC)
        {
            int kc = Math.Min(KC, d.K - pc);
            bool accumulate = d.Accumulate != 0 || !first;
            for (int jc = 0; jc < d.N; jc += NC)
            {
                int nc = Math.Min(NC, d.N - jc);
                var packedB = PackB(b, job, pc, kc, jc, nc);
                int mBlocks = (d.M + MC - 1) / MC, nPanels = (nc + NR - 1) / NR;
                // Work items: (M block, group of B panels), several per core so that a core slowed by other work
                // does not hold the others back (the ranges are handed out dynamically).
                int groups = Math.Clamp((8 * Environment.ProcessorCount + mBlocks - 1) / mBlocks, 1, nPanels);
                CpuParallel.For(mBlocks * groups, (long)Math.Min(MC, d.M) * kc * nc / groups, (w0, w1) =>
                {
                    var packedA = new float[MC * kc];
                    var tile = new float[MR * NR];
                    int packedFor = -1;
                    for (int w = w0; w < w1; w++)
                    {
                        int mb = w / groups, g = w % groups;
                        int ic = mb * MC, mc = Math.Min(MC, d.M - ic);
                        if (packedFor != mb) { PackA(a, job, ic, mc, pc, kc, packedA); packedFor = mb; }
                        int p0 = nPanels * g / groups, p1 = nPanels * (g + 1) / groups;
                        Tiles(packedA, packedB, c, job, ic, mc, jc, nc, kc, p0, p1, accumulate, tile);
                    }
                });
            }
            first = false;
        }
    }

    /// <summary>op(B)[pc..pc+kc, jc..jc+nc] as column panels of NR (zero-padded): panel p holds, for each k, NR values.</summary>
    private static float[] PackB(float[] b, Job job, int pc, int kc, int jc, int nc)
    {
        var d = job.D;
        int panels = (nc + NR - 1) / NR;
        var packed = new float[panels * kc * NR];
        CpuParallel.For(panels, (long)kc * NR, (p0, p1) =>
        {
            for (int p = p0; p < p1; p++)
            {
                int j0 = jc + p * NR, width = Math.Min(NR, jc + nc - j0);
                int dst = p * kc * NR;
                for (int k = 0; k < kc; k++, dst += NR)
                {
                    int src = job.OffsetB + (pc + k) * d.RowB + j0 * d.ColB;
                    if (d.ColB == 1) b.AsSpan(src, width).CopyTo(packed.AsSpan(dst, width));
                    else for (int j = 0; j < width; j++) packed[dst + j] = b[src + j * d.ColB];
                }
            }
        });
        return packed;
    }

    /// <summary>op(A)[ic..ic+mc, pc..pc+kc] as row panels of MR (zero-padded): panel q holds, for each k, MR values.</summary>
    private static void PackA(float[] a, Job job, int ic, int mc, int pc, int kc, float[] packed)
    {
        var d = job.D;
        int panels = (mc + MR - 1) / MR;
        for (int q = 0; q < panels; q++)
        {
            int i0 = ic + q * MR, rows = Math.Min(MR, ic + mc - i0);
            int dst = q * kc * MR;
            if (d.ColA == 1)
            {
                // A rows are contiguous in k: gather MR rows into k-major order.
                for (int k = 0; k < kc; k++, dst += MR)
                {
                    int src = job.OffsetA + i0 * d.RowA + (pc + k);
                    for (int i = 0; i < rows; i++) packed[dst + i] = a[src + i * d.RowA];
                    for (int i = rows; i < MR; i++) packed[dst + i] = 0;
                }
            }
            else
            {
                // Aᵀ stored: for each k the MR values are contiguous.
                for (int k = 0; k < kc; k++, dst += MR)
                {
                    int src = job.OffsetA + i0 * d.RowA + (pc + k) * d.ColA;
                    a.AsSpan(src, rows).CopyTo(packed.AsSpan(dst, rows));
                    for (int i = rows; i < MR; i++) packed[dst + i] = 0;
                }
            }
        }
    }

    private static unsafe void Tiles(float[] packedA, float[] packedB, float[] c, Job job, int ic, int mc, int jc, int nc, int kc,
        int p0, int p1, bool accumulate, float[] tile)
    {
        int n = job.D.N;
        fixed (float* pa = packedA, pb = packedB, pc = c, pt = tile)
        {
            for (int p = p0; p < p1; p++)
            {
                int j0 = jc + p * NR, width = Math.Min(NR, jc + nc - j0);
                float* bPanel = pb + (long)p * kc * NR;
                for (int i0 = 0; i0 < mc; i0 += MR)
                {
                    int rows = Math.Min(MR, mc - i0);
                    float* aPanel = pa + (long)(i0 / MR) * kc * MR;
                    float* cTile = pc + job.OffsetC + (long)(ic + i0) * n + j0;
                    if (rows == MR && width == NR)
                    {
                        Kernel(kc, aPanel, bPanel, cTile, n, accumulate);
                    }
                    else
                    {
                        Kernel(kc, aPanel, bPanel, pt, NR, false);
                        for (int i = 0; i < rows; i++)
                            for (int j = 0; j < width; j++)
                                cTile[(long)i * n + j] = accumulate ? cTile[(long)i * n + j] + pt[i * NR + j] : pt[i * NR + j];
                    }
                }
            }
        }
    }

    /// <summary>C[0..6, 0..16] (+)= Σ_k a[k, 0..6] ⊗ b[k, 0..16] with twelve 256-bit accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Kernel(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var x = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += MR;
            b += NR;
        }
        Store(c, c00, c01, accumulate);
        Store(c + ldc, c10, c11, accumulate);
        Store(c + 2 * ldc, c20, c21, accumulate);
        Store(c + 3 * ldc, c30, c31, accumulate);
        Store(c + 4 * ldc, c40, c41, accumulate);
        Store(c + 5 * ldc, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Store(float* row, Vector256<float> lo, Vector256<float> hi, bool accumulate)
    {
        if (accumulate)
        {
            lo += Vector256.Load(row);
            hi += Vector256.Load(row + 8);
        }
        lo.Store(row);
        hi.Store(row + 8);
    }

    /// <summary>Packs op(A) by rows and op(B) by columns, then takes contiguous vectorised dot products (float64, and
    /// machines without 256-bit vectors).</summary>
    private static void DotProducts<T>(T[] a, T[] b, T[] c, Job job) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var d = job.D;
        var rowsA = new T[d.M * d.K];
        var colsB = new T[d.N * d.K];
        for (int i = 0; i < d.M; i++)
            for (int k = 0; k < d.K; k++) rowsA[i * d.K + k] = a[job.OffsetA + i * d.RowA + k * d.ColA];
        for (int j = 0; j < d.N; j++)
            for (int k = 0; k < d.K; k++) colsB[j * d.K + k] = b[job.OffsetB + k * d.RowB + j * d.ColB];
        CpuParallel.For(d.M, (long)d.N * d.K, (r0, r1) =>
        {
            for (int i = r0; i < r1; i++)
            {
                var row = rowsA.AsSpan(i * d.K, d.K);
                for (int j = 0; j < d.N; j++)
                {
                    T v = TensorPrimitives.Dot<T>(row, colsB.AsSpan(j * d.K, d.K));
                    int idx = job.OffsetC + i * d.N + j;
                    c[idx] = d.Accumulate != 0 ? c[idx] + v : v;
                }
            }
        });
    }
}
