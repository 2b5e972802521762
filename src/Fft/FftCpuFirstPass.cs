using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HyenaIL.Fft;

// The first radix-4 pass (stride s = 1), vectorised over p: four consecutive p at once (two in float64) read
// contiguous a, b, c, d and twiddles, and produce y[4p + r] for r = 0..3 as four vectors indexed by p; a 4×4
// transpose of complex numbers (64-bit lanes in float32; 128-bit halves in float64) turns them into rows
// indexed by r before the store. Needs AVX; elsewhere, and for the tail, the scalar butterfly runs.

internal static partial class FftCpu
{
    /// <summary>The first pass for p ∈ [p0, p1) of <paramref name="rows"/> consecutive rows of n points.</summary>
    private static void FirstPass<T>(ReadOnlySpan<T> x, Span<T> y, ReadOnlySpan<T> tw, int m, bool inverse, int p0, int p1, int n, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int done = p0;
        if (Avx.IsSupported && typeof(T) == typeof(float))
            done = FirstPassFloat(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y), MemoryMarshal.Cast<T, float>(tw), m, inverse, p0, p1, n, rows);
        else if (Avx.IsSupported && typeof(T) == typeof(double))
            done = FirstPassDouble(MemoryMarshal.Cast<T, double>(x), MemoryMarshal.Cast<T, double>(y), MemoryMarshal.Cast<T, double>(tw), m, inverse, p0, p1, n, rows);
        if (done == p1) return;
        for (int r = 0; r < rows; r++)
            Radix4Scalar(x.Slice(2 * n * r, 2 * n), y.Slice(2 * n * r, 2 * n), tw, m, 1, inverse, done, p1, 0, 1);
    }

    /// <summary>Returns the first p it left for the scalar tail.</summary>
    private static int FirstPassFloat(ReadOnlySpan<float> x, Span<float> y, ReadOnlySpan<float> tw, int m, bool inverse, int p0, int p1, int n, int rows)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        var rot = Rotation<float>(inverse);
        int p = p0;
        for (; p + 4 <= p1; p += 4)
        {
            var (w1, w2, w3) = Twiddles(tw, m, p, rot);
            for (int r = 0; r < rows; r++)
            {
                nuint row = (nuint)(2 * n * r);
                var (y0, y1, y2, y3) = Butterfly(
                    Vector256.LoadUnsafe(ref xr, row + (nuint)(2 * p)), Vector256.LoadUnsafe(ref xr, row + (nuint)(2 * (p + m))),
                    Vector256.LoadUnsafe(ref xr, row + (nuint)(2 * (p + 2 * m))), Vector256.LoadUnsafe(ref xr, row + (nuint)(2 * (p + 3 * m))),
                    w1, w2, w3, rot);
                // Transpose the 4×4 complex block: complex numbers are 64-bit lanes.
                var t0 = Avx.UnpackLow(y0.AsDouble(), y1.AsDouble());
                var t1 = Avx.UnpackHigh(y0.AsDouble(), y1.AsDouble());
                var t2 = Avx.UnpackLow(y2.AsDouble(), y3.AsDouble());
                var t3 = Avx.UnpackHigh(y2.AsDouble(), y3.AsDouble());
                nuint o = row + (nuint)(8 * p);
                Avx.Permute2x128(t0, t2, 0x20).AsSingle().StoreUnsafe(ref yr, o);
                Avx.Permute2x128(t1, t3, 0x20).AsSingle().StoreUnsafe(ref yr, o + 8);
                Avx.Permute2x128(t0, t2, 0x31).AsSingle().StoreUnsafe(ref yr, o + 16);
                Avx.Permute2x128(t1, t3, 0x31).AsSingle().StoreUnsafe(ref yr, o + 24);
            }
        }
        return p;
    }

    private static int FirstPassDouble(ReadOnlySpan<double> x, Span<double> y, ReadOnlySpan<double> tw, int m, bool inverse, int p0, int p1, int n, int rows)
    {
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double yr = ref MemoryMarshal.GetReference(y);
        var rot = Rotation<double>(inverse);
        int p = p0;
        for (; p + 2 <= p1; p += 2)
        {
            var (w1, w2, w3) = Twiddles(tw, m, p, rot);
            for (int r = 0; r < rows; r++)
            {
                nuint row = (nuint)(2 * n * r);
                var (y0, y1, y2, y3) = Butterfly(
                    Vector256.LoadUnsafe(ref xr, row + (nuint)(2 * p)), Vector256.LoadUnsafe(ref xr, row + (nuint)(2 * (p + m))),
                    Vector256.LoadUnsafe(ref xr, row + (nuint)(2 * (p + 2 * m))), Vector256.LoadUnsafe(ref xr, row + (nuint)(2 * (p + 3 * m))),
                    w1, w2, w3, rot);
                // Each vector holds two complex numbers (p and p + 1): regroup the 128-bit halves.
                nuint o = row + (nuint)(8 * p);
                Avx.Permute2x128(y0, y1, 0x20).StoreUnsafe(ref yr, o);
                Avx.Permute2x128(y2, y3, 0x20).StoreUnsafe(ref yr, o + 4);
                Avx.Permute2x128(y0, y1, 0x31).StoreUnsafe(ref yr, o + 8);
                Avx.Permute2x128(y2, y3, 0x31).StoreUnsafe(ref yr, o + 12);
            }
        }
        return p;
    }

    /// <summary>The twiddles w¹, w², w³ of the vector of p starting at <paramref name="p"/>, each as (wᵣ, wᵣ, …) and
    /// (−σwᵢ, σwᵢ, …).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ((Vector256<T>, Vector256<T>), (Vector256<T>, Vector256<T>), (Vector256<T>, Vector256<T>)) Twiddles<T>(
        ReadOnlySpan<T> tw, int m, int p, Vector256<T> rot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T wr = ref MemoryMarshal.GetReference(tw);
        var w1 = Vector256.LoadUnsafe(ref wr, (nuint)(2 * p));
        var w2 = Vector256.LoadUnsafe(ref wr, (nuint)(2 * (m + p)));
        var w3 = Vector256.LoadUnsafe(ref wr, (nuint)(2 * (2 * m + p)));
        return ((DuplicateReal(w1), DuplicateImaginary(w1) * rot), (DuplicateReal(w2), DuplicateImaginary(w2) * rot),
            (DuplicateReal(w3), DuplicateImaginary(w3) * rot));
    }

    /// <summary>The radix-4 butterfly on vectors of complex numbers with per-lane twiddles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<T>, Vector256<T>, Vector256<T>, Vector256<T>) Butterfly<T>(
        Vector256<T> a, Vector256<T> b, Vector256<T> c, Vector256<T> d,
        (Vector256<T> Re, Vector256<T> Im) w1, (Vector256<T> Re, Vector256<T> Im) w2, (Vector256<T> Re, Vector256<T> Im) w3, Vector256<T> rot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var apc = a + c;
        var amc = a - c;
        var bpd = b + d;
        var jbmd = Swap(b - d) * rot;
        return (apc + bpd, Twiddle(amc - jbmd, w1.Re, w1.Im), Twiddle(apc - bpd, w2.Re, w2.Im), Twiddle(amc + jbmd, w3.Re, w3.Im));
    }

    /// <summary>(wᵣ, wᵣ) for each complex number of <paramref name="w"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<T> DuplicateReal<T>(Vector256<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return Vector256.Shuffle(w.As<T, float>(), Vector256.Create(0, 0, 2, 2, 4, 4, 6, 6)).As<float, T>();
        return Vector256.Shuffle(w.As<T, double>(), Vector256.Create(0L, 0, 2, 2)).As<double, T>();
    }

    /// <summary>(wᵢ, wᵢ) for each complex number of <paramref name="w"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<T> DuplicateImaginary<T>(Vector256<T> w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return Vector256.Shuffle(w.As<T, float>(), Vector256.Create(1, 1, 3, 3, 5, 5, 7, 7)).As<float, T>();
        return Vector256.Shuffle(w.As<T, double>(), Vector256.Create(1L, 1, 3, 3)).As<double, T>();
    }
}
