using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HyenaIL;

// The CPU matmul. float32: a GEMM in the BLIS/GotoBLAS style (Goto & van de Geijn 2008; Van Zee & van de Geijn
// 2015). For each block of NC columns and KC inner indices, op(B) is packed into panels NR columns wide; for each
// block of MC rows, op(A) into panels MR rows tall; each panel is laid out k-major, so that the micro-kernel reads
// both with unit stride whatever the transposes were. The micro-kernel keeps an MR × NR tile of C in registers
// (MR·2 vectors) and adds one rank-1 update per k: two vector loads of B, MR broadcasts of A, 2·MR FMAs. Panels are
// zero-padded, so edge tiles run the same kernel into a scratch tile that is then added to C within bounds.
// Threads split the rows (or, for short wide products, the column panels) of each packed block.
// float64: a plain i-k-j loop over rows, vectorised along j (it serves gradient checks at small sizes).

/// <summary>The register-blocked micro-kernels of the float32 GEMM, by vector width.</summary>
internal enum GemmKernel
{
    /// <summary>Vector512 with AVX-512F FMA: a 6 × 32 tile in 12 zmm registers.</summary>
    Vector512,

    /// <summary>Vector256 with FMA3 where available (multiply, then add, without it): a 6 × 16 tile.</summary>
    Vector256,

    /// <summary>Vector128 with FMA3 where available: a 6 × 8 tile; the portable fallback.</summary>
    Vector128,
}

internal static unsafe class MatmulCpu
{
    /// <summary>Rows of the register tile.</summary>
    private const int MR = 6;

    /// <summary>Inner-dimension block. A B micro-panel (KC × NR, 64 KiB at NR = 32) is reused by the MC/MR A panels
    /// from L1/L2; the micro-kernel's 12 FMAs per 128 bytes of B leave L2 bandwidth to spare. On the Zen 4 machine,
    /// KC = 512 measured 5–10% faster than 256 at 512³ (one pass over C instead of two) and equal elsewhere.</summary>
    private const int KC = 512;

    /// <summary>Row block: the packed A block (MC × KC, 192 KiB) stays in L2.</summary>
    private const int MC = 96;

    /// <summary>Column block: the packed B block (KC × NC, 4 MiB) stays in L3, shared by the threads.</summary>
    private const int NC = 2048;

    /// <summary>Below this many flops a product runs on one thread; batches of such products run in parallel.</summary>
    private const long ParallelFlops = 1L << 21;

    /// <summary>The widest kernel this machine runs in hardware.</summary>
    public static GemmKernel BestKernel { get; } =
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported ? GemmKernel.Vector512
        : Vector256.IsHardwareAccelerated ? GemmKernel.Vector256 : GemmKernel.Vector128;

    /// <summary>Whether <paramref name="kernel"/> can run here (Vector512 needs AVX-512F).</summary>
    public static bool IsSupported(GemmKernel kernel) => kernel != GemmKernel.Vector512 || Avx512F.IsSupported;

    /// <summary>C = op(A)·op(B), or C += when <paramref name="accumulate"/>, for each product of the plan.</summary>
    public static void Sgemm(float[] a, float[] b, float[] c, MatmulPlan plan, bool accumulate, GemmKernel kernel)
    {
        if (!IsSupported(kernel))
            throw new PlatformNotSupportedException($"Matmul: the {kernel} GEMM kernel needs AVX-512F, which this CPU lacks");
        switch (kernel)
        {
            case GemmKernel.Vector512: Sgemm<Vector512<float>, Simd512>(a, b, c, plan, accumulate); break;
            case GemmKernel.Vector256: Sgemm<Vector256<float>, Simd256>(a, b, c, plan, accumulate); break;
            default: Sgemm<Vector128<float>, Simd128>(a, b, c, plan, accumulate); break;
        }
    }

    private static void Sgemm<TVec, TSimd>(float[] a, float[] b, float[] c, MatmulPlan plan, bool accumulate)
        where TVec : struct
        where TSimd : struct, ISimd<TVec>
    {
        long flops = 2L * plan.M * plan.N * plan.K;
        int threads = flops < ParallelFlops ? 1 : Environment.ProcessorCount;
        fixed (float* pa = a, pb = b, pc = c)
        {
            var args = new GemmArgs(pa, pb, pc, plan, accumulate);
            if (plan.Batch > 1 && threads == 1)
                CpuParallel.For(plan.Batch, flops, (start, end) =>
                {
                    for (int i = start; i < end; i++) Product<TVec, TSimd>(args, i, 1);
                });
            else
                for (int i = 0; i < plan.Batch; i++) Product<TVec, TSimd>(args, i, threads);
        }
    }

    /// <summary>One product of the batch, on <paramref name="threads"/> threads.</summary>
    private static void Product<TVec, TSimd>(GemmArgs g, int index, int threads)
        where TVec : struct
        where TSimd : struct, ISimd<TVec>
    {
        var p = g.Plan;
        int nr = 2 * TSimd.Count;
        float* a = g.A + (long)index * p.StrideA, b = g.B + (long)index * p.StrideB, c = g.C + (long)index * p.StrideC;
        int ncMax = Math.Min(NC, RoundUp(p.N, nr));
        int kBlocks = (p.K + KC - 1) / KC, kcStep = (p.K + kBlocks - 1) / kBlocks; // K in equal blocks of at most KC
        int aBlock = MC * KC + 16;
        float[] bufB = ArrayPool<float>.Shared.Rent(KC * ncMax + 16);
        float[] bufA = ArrayPool<float>.Shared.Rent(threads * aBlock);
        try
        {
            fixed (float* fb = bufB, fa = bufA)
            {
                float* packB = Align64(fb), packA = fa;
                for (int jc = 0; jc < p.N; jc += NC)
                {
                    int nc = Math.Min(NC, p.N - jc), panels = (nc + nr - 1) / nr;
                    for (int pc = 0; pc < p.K; pc += kcStep)
                    {
                        int kc = Math.Min(kcStep, p.K - pc);
                        bool add = g.Accumulate || pc > 0;
                        var block = new Block(a, b, c, p, jc, nc, pc, kc, add, packB);
                        ForEachThread(threads, t => PackB<TVec, TSimd>(block, panels * t / threads, panels * (t + 1) / threads));
                        var split = Split.For(p.M, panels, threads);
                        ForEachThread(threads, t => Compute<TVec, TSimd>(block, split, t, Align64(packA + (long)t * aBlock)));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(bufA);
            ArrayPool<float>.Shared.Return(bufB);
        }
    }

    /// <summary>Thread <paramref name="t"/>'s share of one packed (KC × NC) block of B: its rows (MC blocks of A
    /// packed into <paramref name="packA"/>) times its column panels.</summary>
    private static void Compute<TVec, TSimd>(Block k, Split split, int t, float* packA)
        where TVec : struct
        where TSimd : struct, ISimd<TVec>
    {
        int nr = 2 * TSimd.Count, n = k.Plan.N;
        var (r0, r1, j0, j1) = split.Range(t);
        for (int ic = r0; ic < r1; ic += MC)
        {
            int mc = Math.Min(MC, r1 - ic);
            PackA(k, ic, mc, packA);
            for (int jp = j0; jp < j1; jp++)
            {
                int jr = jp * nr, width = Math.Min(nr, k.Nc - jr);
                float* bp = k.PackB + (long)jp * nr * k.Kc;
                for (int ir = 0; ir < mc; ir += MR)
                {
                    float* ap = packA + ir * k.Kc;
                    float* cp = k.C + (long)(ic + ir) * n + k.Jc + jr;
                    int height = Math.Min(MR, mc - ir);
                    if (height == MR && width == nr) MicroKernel<TVec, TSimd>(k.Kc, ap, bp, cp, n, k.Add);
                    else EdgeKernel<TVec, TSimd>(k.Kc, ap, bp, cp, n, k.Add, height, width);
                }
            }
        }
    }

    /// <summary>C tile (MR × 2W) (+)= Σ_p a[p·MR + r] · b[p·2W + j], with the tile held in 12 vector registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel<TVec, TSimd>(int kc, float* a, float* b, float* c, int ldc, bool add)
        where TVec : struct
        where TSimd : struct, ISimd<TVec>
    {
        int w = TSimd.Count;
        TVec c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVec c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += MR, b += 2 * w)
        {
            TVec b0 = TSimd.Load(b), b1 = TSimd.Load(b + w);
            TVec x = TSimd.Broadcast(a);
            c00 = TSimd.MulAdd(x, b0, c00); c01 = TSimd.MulAdd(x, b1, c01);
            x = TSimd.Broadcast(a + 1);
            c10 = TSimd.MulAdd(x, b0, c10); c11 = TSimd.MulAdd(x, b1, c11);
            x = TSimd.Broadcast(a + 2);
            c20 = TSimd.MulAdd(x, b0, c20); c21 = TSimd.MulAdd(x, b1, c21);
            x = TSimd.Broadcast(a + 3);
            c30 = TSimd.MulAdd(x, b0, c30); c31 = TSimd.MulAdd(x, b1, c31);
            x = TSimd.Broadcast(a + 4);
            c40 = TSimd.MulAdd(x, b0, c40); c41 = TSimd.MulAdd(x, b1, c41);
            x = TSimd.Broadcast(a + 5);
            c50 = TSimd.MulAdd(x, b0, c50); c51 = TSimd.MulAdd(x, b1, c51);
        }
        StoreRow<TVec, TSimd>(c, w, add, c00, c01);
        StoreRow<TVec, TSimd>(c + ldc, w, add, c10, c11);
        StoreRow<TVec, TSimd>(c + 2 * ldc, w, add, c20, c21);
        StoreRow<TVec, TSimd>(c + 3 * ldc, w, add, c30, c31);
        StoreRow<TVec, TSimd>(c + 4 * ldc, w, add, c40, c41);
        StoreRow<TVec, TSimd>(c + 5 * ldc, w, add, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TVec, TSimd>(float* c, int w, bool add, TVec lo, TVec hi)
        where TVec : struct
        where TSimd : struct, ISimd<TVec>
    {
        if (add)
        {
            lo = TSimd.Add(TSimd.Load(c), lo);
            hi = TSimd.Add(TSimd.Load(c + w), hi);
        }
        TSimd.Store(c, lo);
        TSimd.Store(c + w, hi);
    }

    /// <summary>A partial tile (height × width ≤ MR × NR): the full kernel into a scratch tile, then added to C
    /// within bounds (the packed panels are zero-padded, so the padding contributes nothing).</summary>
    private static void EdgeKernel<TVec, TSimd>(int kc, float* a, float* b, float* c, int ldc, bool add, int height, int width)
        where TVec : struct
        where TSimd : struct, ISimd<TVec>
    {
        int nr = 2 * TSimd.Count;
        float* tile = stackalloc float[MR * 32];
        MicroKernel<TVec, TSimd>(kc, a, b, tile, nr, add: false);
        for (int r = 0; r < height; r++)
            for (int j = 0; j < width; j++)
                c[(long)r * ldc + j] = add ? c[(long)r * ldc + j] + tile[r * nr + j] : tile[r * nr + j];
    }

    /// <summary>Packs rows [ic, ic + mc) × inner [pc, pc + kc) of op(A) into MR-row panels, k-major:
    /// dst[panel·MR·kc + p·MR + r] = op(A)[ic + panel·MR + r, pc + p], zero past the last row.</summary>
    private static void PackA(Block k, int ic, int mc, float* dst)
    {
        int rs = k.Plan.RowStrideA, cs = k.Plan.ColStrideA, kc = k.Kc;
        float* zero = stackalloc float[1];
        *zero = 0f;
        for (int ir = 0; ir < mc; ir += MR, dst += MR * kc)
        {
            // Row r of the panel is walked along k with step cs; past the last row, a zero is read with step 0.
            int height = Math.Min(MR, mc - ir);
            float* src = k.A + (long)(ic + ir) * rs + (long)k.Pc * cs;
            long step = cs, s1 = height > 1 ? cs : 0, s2 = height > 2 ? cs : 0;
            long s3 = height > 3 ? cs : 0, s4 = height > 4 ? cs : 0, s5 = height > 5 ? cs : 0;
            float* r0 = src, r1 = s1 != 0 ? src + rs : zero, r2 = s2 != 0 ? src + 2L * rs : zero;
            float* r3 = s3 != 0 ? src + 3L * rs : zero, r4 = s4 != 0 ? src + 4L * rs : zero, r5 = s5 != 0 ? src + 5L * rs : zero;
            float* d = dst;
            for (int p = 0; p < kc; p++, d += MR)
            {
                d[0] = *r0; d[1] = *r1; d[2] = *r2; d[3] = *r3; d[4] = *r4; d[5] = *r5;
                r0 += step; r1 += s1; r2 += s2; r3 += s3; r4 += s4; r5 += s5;
            }
        }
    }

    /// <summary>Packs column panels [p0, p1) of the block's op(B) (kc × nc) into NR-column panels, k-major:
    /// dst[panel·NR·kc + p·NR + j] = op(B)[pc + p, jc + panel·NR + j], zero past the last column.</summary>
    private static void PackB<TVec, TSimd>(Block k, int p0, int p1)
        where TVec : struct
        where TSimd : struct, ISimd<TVec>
    {
        int w = TSimd.Count, nr = 2 * w;
        int rs = k.Plan.RowStrideB, cs = k.Plan.ColStrideB, kc = k.Kc;
        for (int jp = p0; jp < p1; jp++)
        {
            int j0 = jp * nr, width = Math.Min(nr, k.Nc - j0);
            float* dst = k.PackB + (long)jp * nr * kc;
            float* src = k.B + (long)k.Pc * rs + (long)(k.Jc + j0) * cs;
            if (cs == 1 && width == nr)
            {
                for (int p = 0; p < kc; p++, src += rs, dst += nr)
                {
                    TSimd.Store(dst, TSimd.Load(src));
                    TSimd.Store(dst + w, TSimd.Load(src + w));
                }
                continue;
            }
            for (int p = 0; p < kc; p++)
                for (int j = 0; j < nr; j++)
                    dst[p * nr + j] = j < width ? src[(long)p * rs + (long)j * cs] : 0f;
        }
    }

    private static void ForEachThread(int threads, Action<int> body)
    {
        if (threads == 1) body(0);
        else Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private static float* Align64(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    /// <summary>float64 (and any IEEE type): C = op(A)·op(B) (or C +=), row by row; each row of C gathers
    /// Σ_k op(A)[i, k] · op(B)[k, :] with vector multiply-adds over j. op(B) is copied to (K, N) first when
    /// transposed, so every inner loop runs with unit stride.</summary>
    public static void Gemm<T>(T[] a, T[] b, T[] c, MatmulPlan plan, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int m = plan.M, n = plan.N, kk = plan.K;
        var bRows = new T[kk * n]; // (K, N)
        for (int index = 0; index < plan.Batch; index++)
        {
            int offA = index * plan.StrideA, offB = index * plan.StrideB, offC = index * plan.StrideC;
            for (int k = 0; k < kk; k++)
                for (int j = 0; j < n; j++)
                    bRows[k * n + j] = b[offB + k * plan.RowStrideB + j * plan.ColStrideB];
            CpuParallel.For(m, 2L * n * kk, (start, end) =>
            {
                for (int i = start; i < end; i++)
                {
                    var row = c.AsSpan(offC + i * n, n);
                    if (!accumulate) row.Clear();
                    for (int k = 0; k < kk; k++)
                    {
                        T aik = a[offA + i * plan.RowStrideA + k * plan.ColStrideA];
                        TensorPrimitives.MultiplyAdd(bRows.AsSpan(k * n, n), aik, row, row);
                    }
                }
            });
        }
    }

    /// <summary>The pinned operands of one call.</summary>
    private readonly struct GemmArgs(float* a, float* b, float* c, MatmulPlan plan, bool accumulate)
    {
        public readonly float* A = a, B = b, C = c;
        public readonly MatmulPlan Plan = plan;
        public readonly bool Accumulate = accumulate;
    }

    /// <summary>One (KC × NC) block of B, packed at <see cref="PackB"/>, and the product it belongs to.</summary>
    private readonly struct Block(float* a, float* b, float* c, MatmulPlan plan, int jc, int nc, int pc, int kc, bool add, float* packB)
    {
        public readonly float* A = a, B = b, C = c, PackB = packB;
        public readonly MatmulPlan Plan = plan;
        public readonly int Jc = jc, Nc = nc, Pc = pc, Kc = kc;

        /// <summary>Whether the tile adds to C (accumulating, or a later KC block) rather than overwriting it.</summary>
        public readonly bool Add = add;
    }

    /// <summary>How the threads share a block: by rows (in whole MR panels) when there are enough of them,
    /// else by column panels.</summary>
    private readonly record struct Split(int M, int Panels, bool ByRows, int Threads)
    {
        public static Split For(int m, int panels, int threads)
        {
            int rowPanels = (m + MR - 1) / MR;
            return new(m, panels, rowPanels >= 2 * threads || rowPanels >= panels, threads);
        }

        /// <summary>Rows [r0, r1) and column panels [j0, j1) of thread <paramref name="t"/>.</summary>
        public (int R0, int R1, int J0, int J1) Range(int t)
        {
            if (!ByRows) return (0, M, Panels * t / Threads, Panels * (t + 1) / Threads);
            int rowPanels = (M + MR - 1) / MR;
            return (Math.Min(M, rowPanels * t / Threads * MR), Math.Min(M, rowPanels * (t + 1) / Threads * MR), 0, Panels);
        }
    }
}

/// <summary>The vector operations the micro-kernel needs, for one vector width. The kernel is generic over a
/// struct implementing this, so the JIT compiles one specialised copy per width with every call inlined (the inner
/// loop of the Vector512 copy is 2 loads, 6 broadcasts and 12 vfmadd231ps, all in registers).</summary>
internal unsafe interface ISimd<TVec>
    where TVec : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVec Load(float* p);

    /// <summary>*p in every lane.</summary>
    static abstract TVec Broadcast(float* p);

    /// <summary>a·b + c, fused where the hardware has FMA.</summary>
    static abstract TVec MulAdd(TVec a, TVec b, TVec c);

    static abstract TVec Add(TVec a, TVec b);

    static abstract void Store(float* p, TVec v);
}

internal readonly unsafe struct Simd512 : ISimd<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Load(float* p) => Vector512.Load(p);
    public static Vector512<float> Broadcast(float* p) => Vector512.Create(*p);
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.FusedMultiplyAdd(a, b, c);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static void Store(float* p, Vector512<float> v) => v.Store(p);
}

internal readonly unsafe struct Simd256 : ISimd<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Load(float* p) => Vector256.Load(p);
    public static Vector256<float> Broadcast(float* p) => Vector256.Create(*p);
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    public static void Store(float* p, Vector256<float> v) => v.Store(p);
}

internal readonly unsafe struct Simd128 : ISimd<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;
    public static Vector128<float> Load(float* p) => Vector128.Load(p);
    public static Vector128<float> Broadcast(float* p) => Vector128.Create(*p);
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    public static void Store(float* p, Vector128<float> v) => v.Store(p);
}
