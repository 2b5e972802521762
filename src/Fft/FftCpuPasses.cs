using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HyenaIL.Fft;

// The butterflies of the CPU FFT. One radix-4 butterfly (σ = +1 forward, −1 inverse; i·σ·z rotates z by ±90°):
//   a, b, c, d = x[q + s·(p + r·m)], r = 0..3
//   y[q + s·4p]       = (a + c) + (b + d)
//   y[q + s·(4p + 1)] = w¹ᵖ · ((a − c) − iσ(b − d))
//   y[q + s·(4p + 2)] = w²ᵖ · ((a + c) − (b + d))
//   y[q + s·(4p + 3)] = w³ᵖ · ((a − c) + iσ(b − d)),   wᵖ = e^{−2πiσ·p·s/n}
// Vectorised with Vector256: where s ≥ the complex numbers per vector, over q with one broadcast twiddle per p;
// in the first pass (s = 1), over p, with the four outputs transposed before the store (FftCpuFirstPass.cs).
// Elsewhere (tiny sizes, machines without SIMD) the same butterfly runs in scalar code.

internal static partial class FftCpu
{
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
            Radix4OverQ(x, y, tw, pass.Span, pass.Stride, inverse, p0, p1, q0, q1 - q0, 0, 1);
        else if (pass.Stride == 1)
            FirstPass(x, y, tw, pass.Span, inverse, p0, p1, x.Length / 2, 1);
        else
            Radix4Scalar(x, y, tw, pass.Span, pass.Stride, inverse, p0, p1, q0, q1);
    }

    /// <summary>Runs one whole pass over <paramref name="rows"/> consecutive rows of n points: where the pass is
    /// vectorised over q, the q loop runs on across the rows, so twiddles and dispatch are paid once for them all.</summary>
    private static void PassRows<T>(FftPass pass, ReadOnlySpan<T> x, Span<T> y, T[] twiddles, bool inverse, int n, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (pass.Radix == 4)
        {
            var tw = twiddles.AsSpan(2 * pass.TwiddleOffset, 6 * pass.Span);
            if (Vector256.IsHardwareAccelerated && pass.Stride >= Vector256<T>.Count / 2)
            {
                Radix4OverQ(x, y, tw, pass.Span, pass.Stride, inverse, 0, pass.Span, 0, pass.Stride, n, rows);
                return;
            }
            if (pass.Stride == 1)
            {
                FirstPass(x, y, tw, pass.Span, inverse, 0, pass.Span, n, rows);
                return;
            }
        }
        for (int r = 0; r < rows; r++)
            Pass(pass, x.Slice(2 * n * r, 2 * n), y.Slice(2 * n * r, 2 * n), twiddles, inverse, 0, pass.Span, 0, pass.Stride);
    }

    /// <summary>Runs one pass over every p and the q ≡ b..b+Block−1 (mod s0): one block of the blocked passes.</summary>
    private static void PassBlock<T>(FftPass pass, ReadOnlySpan<T> x, Span<T> y, T[] twiddles, bool inverse, int s0, int b)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int count = pass.Stride / s0;
        if (pass.Radix == 2)
        {
            for (int t = 0; t < count; t++) Radix2(x, y, pass.Stride, b + s0 * t, b + s0 * t + Block);
            return;
        }
        var tw = twiddles.AsSpan(2 * pass.TwiddleOffset, 6 * pass.Span);
        if (Vector256.IsHardwareAccelerated)
            Radix4OverQ(x, y, tw, pass.Span, pass.Stride, inverse, 0, pass.Span, b, Block, s0, count);
        else
            for (int t = 0; t < count; t++)
                Radix4Scalar(x, y, tw, pass.Span, pass.Stride, inverse, 0, pass.Span, b + s0 * t, b + s0 * t + Block);
    }

    /// <summary>The last pass of an odd-log2 size: ℓ = 2, no twiddles. y[q] = x[q] + x[q+s], y[q+s] = x[q] − x[q+s].</summary>
    private static void Radix2<T>(ReadOnlySpan<T> x, Span<T> y, int s, int q0, int q1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lo = 2 * q0, count = 2 * (q1 - q0);
        TensorPrimitives.Add(x.Slice(lo, count), x.Slice(2 * s + lo, count), y.Slice(lo, count));
        TensorPrimitives.Subtract(x.Slice(lo, count), x.Slice(2 * s + lo, count), y.Slice(2 * s + lo, count));
    }

    /// <summary>Radix 4 vectorised over q, for p ∈ [p0, p1) and q ∈ qStart + qStep·t + [0, qLength), t &lt; qCount.</summary>
    private static void Radix4OverQ<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> tw, int m, int s, bool inverse, int p0, int p1,
        int qStart, int qLength, int qStep, int qCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        var rot = Rotation<T>(inverse);
        nuint step = (nuint)Vector256<T>.Count;
        for (int p = p0; p < p1; p++)
        {
            var (w1r, w1i) = Broadcast(tw, p, rot);
            var (w2r, w2i) = Broadcast(tw, m + p, rot);
            var (w3r, w3i) = Broadcast(tw, 2 * m + p, rot);
            nuint ia = (nuint)(2 * s * p), ib = (nuint)(2 * s * (p + m)), ic = (nuint)(2 * s * (p + 2 * m)), id = (nuint)(2 * s * (p + 3 * m));
            nuint o0 = (nuint)(2 * s * 4 * p), o1 = o0 + (nuint)(2 * s), o2 = o1 + (nuint)(2 * s), o3 = o2 + (nuint)(2 * s);
            bool plain = p == 0;
            for (int t = 0; t < qCount; t++)
            for (nuint q = (nuint)(2 * (qStart + qStep * t)), qEnd = q + (nuint)(2 * qLength); q < qEnd; q += step)
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
    internal static Vector256<T> Rotation<T>(bool inverse) where T : unmanaged, IFloatingPointIeee754<T> =>
        inverse ? Signs<T>.Inverse : Signs<T>.Forward;

    private static class Signs<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static readonly Vector256<T> Forward = Make(T.One);

        public static readonly Vector256<T> Inverse = Make(-T.One);

        private static Vector256<T> Make(T sigma)
        {
            var lanes = new T[Vector256<T>.Count];
            for (int i = 0; i < lanes.Length; i++) lanes[i] = i % 2 == 0 ? -sigma : sigma;
            return Vector256.Create<T>(lanes);
        }
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
