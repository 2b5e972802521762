using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HyenaIL.Fft;

// The CPU complex FFT: the Stockham passes of FftPlan over interleaved (re, im) rows, generic over float and
// double. One radix-4 butterfly (σ = +1 forward, −1 inverse; i·σ·z rotates z by ±90°):
//   a, b, c, d = x[q + s·(p + r·m)], r = 0..3
//   y[q + s·4p]       = (a + c) + (b + d)
//   y[q + s·(4p + 1)] = w¹ᵖ · ((a − c) − iσ(b − d))
//   y[q + s·(4p + 2)] = w²ᵖ · ((a + c) − (b + d))
//   y[q + s·(4p + 3)] = w³ᵖ · ((a − c) + iσ(b − d)),   wᵖ = e^{−2πiσ·p·s/n}
// Vectorised with Vector256: where s ≥ the complex numbers per vector, over q with one broadcast twiddle per p;
// in the first pass (s = 1), over p, with the four outputs transposed before the store (FftCpuFirstPass).
// Threads: a batch of rows is split over rows; a single long row is split inside each pass, over p or q.

internal static partial class FftCpu
{
    /// <summary>Transforms <paramref name="rows"/> rows of n complex points each (2n values) from
    /// <paramref name="src"/> to <paramref name="dst"/>, which may be the same array. With
    /// <paramref name="scale"/> ≠ 1 every output is multiplied by it.</summary>
    public static void Batch<T>(FftPlan plan, T[] src, T[] dst, int rows, bool inverse, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int len = 2 * plan.Size;
        long work = 5L * plan.Size * Math.Max(1, plan.Log2Size);
        bool splitInside = rows < Environment.ProcessorCount && work >= 4 * CpuParallel.MinWorkPerRange;
        if (splitInside)
        {
            var scratch = ArrayPool<T>.Shared.Rent(len);
            try
            {
                for (int r = 0; r < rows; r++)
                    RowParallel(plan, src, r * len, dst, r * len, scratch, inverse, scale);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
            return;
        }
        CpuParallel.For(rows, work, (r0, r1) =>
        {
            var scratch = ArrayPool<T>.Shared.Rent(len);
            try
            {
                for (int r = r0; r < r1; r++)
                {
                    Row(plan, src.AsSpan(r * len, len), dst.AsSpan(r * len, len), scratch.AsSpan(0, len), inverse);
                    if (scale != T.One) TensorPrimitives.Multiply(dst.AsSpan(r * len, len), scale, dst.AsSpan(r * len, len));
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        });
    }

    /// <summary>One row, single-threaded: x → y (may alias), <paramref name="scratch"/> of 2n values.</summary>
    public static void Row<T>(FftPlan plan, ReadOnlySpan<T> x, Span<T> y, Span<T> scratch, bool inverse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var passes = plan.Passes;
        var tw = plan.TwiddlesAs<T>();
        var (src, first, second) = Buffers(x, y, scratch, passes.Count);
        for (int i = 0; i < passes.Count; i++)
        {
            var dst = i % 2 == 0 ? first : second;
            var pass = passes[i];
            Pass(pass, src, dst, tw, inverse, 0, pass.Span, 0, pass.Stride);
            src = dst;
        }
    }

    /// <summary>One long row, each pass split over threads.</summary>
    internal static void RowParallel<T>(FftPlan plan, T[] x, int xOffset, T[] y, int yOffset, T[] scratch, bool inverse, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int len = 2 * plan.Size;
        var passes = plan.Passes;
        var tw = plan.TwiddlesAs<T>();
        // Arrays and offsets rather than spans, so that the pass bodies can run as closures on other threads.
        var (src, first, second) = Buffers(x, xOffset, y, yOffset, scratch, len, passes.Count);
        for (int i = 0; i < passes.Count; i++)
        {
            var dst = i % 2 == 0 ? first : second;
            var pass = passes[i];
            var from = src;
            int vec = Vector256<T>.Count / 2;
            if (pass.Span >= pass.Stride || pass.Stride < vec)
                CpuParallel.For(pass.Span, 5L * pass.Radix * pass.Stride, (p0, p1) =>
                    Pass(pass, from.Span(len), dst.Span(len), tw, inverse, p0, p1, 0, pass.Stride));
            else
                CpuParallel.For(pass.Stride / vec, 5L * pass.Radix * pass.Span * vec, (b0, b1) =>
                    Pass(pass, from.Span(len), dst.Span(len), tw, inverse, 0, pass.Span, b0 * vec, b1 * vec));
            src = dst;
        }
        if (scale != T.One)
        {
            var result = y;
            CpuParallel.For(len, 1, (i0, i1) =>
                TensorPrimitives.Multiply(result.AsSpan(yOffset + i0, i1 - i0), scale, result.AsSpan(yOffset + i0, i1 - i0)));
        }
    }

    /// <summary>Chooses the buffers the passes alternate between so that the last pass writes y. In place with an
    /// odd number of passes, x is first copied to the scratch buffer (the first pass must not overwrite its input).</summary>
    private static PingPong<T> Buffers<T>(ReadOnlySpan<T> x, Span<T> y, Span<T> scratch, int passes)
    {
        if (passes == 0)
        {
            x.CopyTo(y);
            return new PingPong<T>(x, y, scratch);
        }
        if (passes % 2 == 0) return new PingPong<T>(x, scratch, y);
        if (x.Overlaps(y))
        {
            x.CopyTo(scratch);
            return new PingPong<T>(scratch, y, scratch);
        }
        return new PingPong<T>(x, y, scratch);
    }

    private readonly ref struct PingPong<T>(ReadOnlySpan<T> src, Span<T> first, Span<T> second)
    {
        public ReadOnlySpan<T> Src { get; } = src;

        public Span<T> First { get; } = first;

        public Span<T> Second { get; } = second;

        public void Deconstruct(out ReadOnlySpan<T> src, out Span<T> first, out Span<T> second)
        {
            src = Src;
            first = First;
            second = Second;
        }
    }

    private static (Segment<T> Src, Segment<T> First, Segment<T> Second) Buffers<T>(T[] x, int xOffset, T[] y, int yOffset, T[] scratch, int len, int passes)
    {
        Segment<T> sx = new(x, xOffset), sy = new(y, yOffset), ss = new(scratch, 0);
        if (passes == 0)
        {
            Array.Copy(x, xOffset, y, yOffset, len);
            return (sx, sy, ss);
        }
        if (passes % 2 == 0) return (sx, ss, sy);
        if (ReferenceEquals(x, y))
        {
            Array.Copy(x, xOffset, scratch, 0, len);
            return (ss, sy, ss);
        }
        return (sx, sy, ss);
    }

    private readonly record struct Segment<T>(T[] Array, int Offset)
    {
        public Span<T> Span(int length) => Array.AsSpan(Offset, length);
    }

    /// <summary>Runs one pass over p ∈ [p0, p1) and q ∈ [q0, q1).</summary>
    private static void Pass<T>(FftPass pass, ReadOnlySpan<T> x, Span<T> y, T[] twiddles, bool inverse, int p0, int p1, int q0, int q1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (pass.Radix == 2)
        {
            Radix2(x, y, pass.Stride, q0, q1);
            return;
        }
        var tw = twiddles.AsSpan(2 * pass.TwiddleOffset, 6 * pass.Span);
        int vec = Vector256<T>.Count / 2;
        if (Vector256.IsHardwareAccelerated && pass.Stride >= vec)
            Radix4OverQ(x, y, tw, pass.Span, pass.Stride, inverse, p0, p1, q0, q1);
        else if (pass.Stride == 1)
            FirstPass(x, y, tw, pass.Span, inverse, p0, p1);
        else
            Radix4Scalar(x, y, tw, pass.Span, pass.Stride, inverse, p0, p1, q0, q1);
    }

    /// <summary>The last pass of an odd-log2 size: ℓ = 2, no twiddles. y[q] = x[q] + x[q+s], y[q+s] = x[q] − x[q+s].</summary>
    private static void Radix2<T>(ReadOnlySpan<T> x, Span<T> y, int s, int q0, int q1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lo = 2 * q0, count = 2 * (q1 - q0);
        TensorPrimitives.Add(x.Slice(lo, count), x.Slice(2 * s + lo, count), y.Slice(lo, count));
        TensorPrimitives.Subtract(x.Slice(lo, count), x.Slice(2 * s + lo, count), y.Slice(2 * s + lo, count));
    }

    private static void Radix4OverQ<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> tw, int m, int s, bool inverse, int p0, int p1, int q0, int q1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        var rot = Rotation<T>(inverse);
        int step = Vector256<T>.Count;
        for (int p = p0; p < p1; p++)
        {
            var (w1r, w1i) = Broadcast(tw, p, rot);
            var (w2r, w2i) = Broadcast(tw, m + p, rot);
            var (w3r, w3i) = Broadcast(tw, 2 * m + p, rot);
            nuint ia = (nuint)(2 * s * p), ib = (nuint)(2 * s * (p + m)), ic = (nuint)(2 * s * (p + 2 * m)), id = (nuint)(2 * s * (p + 3 * m));
            nuint o0 = (nuint)(2 * s * 4 * p), o1 = o0 + (nuint)(2 * s), o2 = o1 + (nuint)(2 * s), o3 = o2 + (nuint)(2 * s);
            bool plain = p == 0;
            for (nuint q = (nuint)(2 * q0); q < (nuint)(2 * q1); q += (nuint)step)
            {
                var a = Vector256.LoadUnsafe(ref xr, ia + q);
                var b = Vector256.LoadUnsafe(ref xr, ib + q);
                var c = Vector256.LoadUnsafe(ref xr, ic + q);
                var d = Vector256.LoadUnsafe(ref xr, id + q);
                var apc = a + c;
                var amc = a - c;
                var bpd = b + d;
                var jbmd = Swap(b - d) * rot;
                (apc + bpd).StoreUnsafe(ref yr, o0 + q);
                if (plain)
                {
                    (amc - jbmd).StoreUnsafe(ref yr, o1 + q);
                    (apc - bpd).StoreUnsafe(ref yr, o2 + q);
                    (amc + jbmd).StoreUnsafe(ref yr, o3 + q);
                }
                else
                {
                    Twiddle(amc - jbmd, w1r, w1i).StoreUnsafe(ref yr, o1 + q);
                    Twiddle(apc - bpd, w2r, w2i).StoreUnsafe(ref yr, o2 + q);
                    Twiddle(amc + jbmd, w3r, w3i).StoreUnsafe(ref yr, o3 + q);
                }
            }
        }
    }

    /// <summary>The butterfly in plain scalar code: small sizes, the first pass's tail, machines without SIMD.</summary>
    internal static void Radix4Scalar<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> tw, int m, int s, bool inverse, int p0, int p1, int q0, int q1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sigma = inverse ? -T.One : T.One;
        for (int p = p0; p < p1; p++)
        {
            T w1r = tw[2 * p], w1i = sigma * tw[2 * p + 1];
            T w2r = tw[2 * (m + p)], w2i = sigma * tw[2 * (m + p) + 1];
            T w3r = tw[2 * (2 * m + p)], w3i = sigma * tw[2 * (2 * m + p) + 1];
            for (int q = q0; q < q1; q++)
            {
                int ia = 2 * (q + s * p), ib = 2 * (q + s * (p + m)), ic = 2 * (q + s * (p + 2 * m)), id = 2 * (q + s * (p + 3 * m));
                T apcR = x[ia] + x[ic], apcI = x[ia + 1] + x[ic + 1];
                T amcR = x[ia] - x[ic], amcI = x[ia + 1] - x[ic + 1];
                T bpdR = x[ib] + x[id], bpdI = x[ib + 1] + x[id + 1];
                // iσ·(b − d)
                T jR = -sigma * (x[ib + 1] - x[id + 1]), jI = sigma * (x[ib] - x[id]);
                int o = 2 * (q + s * 4 * p), st = 2 * s;
                y[o] = apcR + bpdR;
                y[o + 1] = apcI + bpdI;
                Store(y, o + st, amcR - jR, amcI - jI, w1r, w1i);
                Store(y, o + 2 * st, apcR - bpdR, apcI - bpdI, w2r, w2i);
                Store(y, o + 3 * st, amcR + jR, amcI + jI, w3r, w3i);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<T>(Span<T> y, int at, T re, T im, T wr, T wi) where T : IFloatingPointIeee754<T>
    {
        y[at] = re * wr - im * wi;
        y[at + 1] = re * wi + im * wr;
    }

    /// <summary>(−σ, σ, −σ, σ, …): multiplying Swap(z) by it gives iσ·z; multiplying it by wᵢ gives the signed
    /// imaginary part of a twiddle conjugated for the inverse.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<T> Rotation<T>(bool inverse) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> lanes = stackalloc T[Vector256<T>.Count];
        T sigma = inverse ? -T.One : T.One;
        for (int i = 0; i < lanes.Length; i++) lanes[i] = i % 2 == 0 ? -sigma : sigma;
        return Vector256.Create<T>(lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<T> Re, Vector256<T> Im) Broadcast<T>(ReadOnlySpan<T> tw, int index, Vector256<T> rot)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        (Vector256.Create(tw[2 * index]), Vector256.Create(tw[2 * index + 1]) * rot);

    /// <summary>z·w for interleaved z, with w given as (wᵣ, wᵣ, …) and (−wᵢ, wᵢ, …) (sign folded in).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<T> Twiddle<T>(Vector256<T> z, Vector256<T> wr, Vector256<T> wi)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return Vector256.MultiplyAddEstimate(Swap(z).As<T, float>(), wi.As<T, float>(), (z * wr).As<T, float>()).As<float, T>();
        return Vector256.MultiplyAddEstimate(Swap(z).As<T, double>(), wi.As<T, double>(), (z * wr).As<T, double>()).As<double, T>();
    }

    /// <summary>Swaps the real and imaginary parts of each complex number.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<T> Swap<T>(Vector256<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return Vector256.Shuffle(v.As<T, float>(), Vector256.Create(1, 0, 3, 2, 5, 4, 7, 6)).As<float, T>();
        return Vector256.Shuffle(v.As<T, double>(), Vector256.Create(1L, 0, 3, 2)).As<double, T>();
    }
}
