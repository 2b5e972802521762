using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace HyenaIL.Fft;

// Real transforms of size n = 2h through one complex transform of size h (the plan of h), on the CPU.
// Forward: the real row x, read as h complex numbers z[j] = x[2j] + i·x[2j+1], is transformed to Z, and then,
// in place, for each pair (k, h−k), 0 < k ≤ h/2, with W = e^{−2πi/n}:
//   E = (Z[k] + conj Z[h−k]) / 2,   O = −i·(Z[k] − conj Z[h−k]) / 2
//   X[k] = E + Wᵏ·O,   X[h−k] = conj(E − Wᵏ·O)
// and X[0] = Re Z[0] + Im Z[0], X[h] = Re Z[0] − Im Z[0] (both real).
// Inverse (unnormalised, x[t] = Σ over the full Hermitian spectrum X[k]·e^{+2πikt/n}; bins 0 and h are read as
// real, their imaginary parts ignored), for each pair:
//   A = X[k] + conj X[h−k],   F = i·conj(Wᵏ)·(X[k] − conj X[h−k])
//   Z'[k] = A + F,   Z'[h−k] = conj(A − F),   Z'[0] = (X[0] + X[h]) + i·(X[0] − X[h])
// and the inverse complex transform of Z' gives x[2j] + i·x[2j+1] directly.
// Both are vectorised over pairs: a block of k and the mirrored block of h − k, reversed, side by side.

internal static class RealFftCpu
{
    /// <summary>rfft of <paramref name="rows"/> real rows of n = 2h: x (rows, n) → spectrum (rows, h + 1, 2).</summary>
    public static void Forward<T>(FftPlan half, T[] x, T[] spectrum, int rows) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = half.Size, n = 2 * h;
        var rtw = half.RealTwiddlesAs<T>();
        if (rows == 1 && IsLong(half))
        {
            ForwardLong(half, x, 0, spectrum, 0);
            return;
        }
        CpuParallel.For(rows, 5L * n * Math.Max(1, half.Log2Size + 1), (r0, r1) =>
        {
            var scratch = ArrayPool<T>.Shared.Rent(n);
            try
            {
                for (int r = r0; r < r1; r++) ForwardRow(half, x.AsSpan(r * n, n), spectrum.AsSpan(r * (n + 2), n + 2), scratch.AsSpan(0, n), rtw);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        });
    }

    /// <summary>irfft of <paramref name="rows"/> spectra (rows, h + 1, 2) → x (rows, n), times <paramref name="scale"/>.</summary>
    public static void Inverse<T>(FftPlan half, T[] spectrum, T[] x, int rows, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = half.Size, n = 2 * h;
        var rtw = half.RealTwiddlesAs<T>();
        if (rows == 1 && IsLong(half))
        {
            InverseLong(half, spectrum, 0, x, 0, scale);
            return;
        }
        CpuParallel.For(rows, 5L * n * Math.Max(1, half.Log2Size + 1), (r0, r1) =>
        {
            var scratch = ArrayPool<T>.Shared.Rent(n);
            try
            {
                for (int r = r0; r < r1; r++)
                {
                    var row = x.AsSpan(r * n, n);
                    InverseRow(half, spectrum.AsSpan(r * (n + 2), n + 2), row, scratch.AsSpan(0, n), rtw);
                    if (scale != T.One) TensorPrimitives.Multiply(row, scale, row);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        });
    }

    /// <summary>One row: x (n reals) → X (h + 1 complex), single-threaded; <paramref name="scratch"/> holds n values.</summary>
    public static void ForwardRow<T>(FftPlan half, ReadOnlySpan<T> x, Span<T> spectrum, Span<T> scratch, T[] rtw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = half.Size;
        FftCpu.Row(half, x, spectrum[..(2 * h)], scratch, false);
        Post(spectrum, rtw, h, 0, h / 2 + 1);
    }

    /// <summary>One row: X (h + 1 complex) → x (n reals), unnormalised, single-threaded.</summary>
    public static void InverseRow<T>(FftPlan half, ReadOnlySpan<T> spectrum, Span<T> x, Span<T> scratch, T[] rtw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = half.Size;
        Pre(spectrum, x, rtw, h, 0, h / 2 + 1);
        FftCpu.Row(half, x, x, scratch, true);
    }

    /// <summary>One long row with every step split over threads: x[xOff..+n] → spectrum[sOff..+n+2].</summary>
    public static void ForwardLong<T>(FftPlan half, T[] x, int xOffset, T[] spectrum, int spectrumOffset)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = half.Size, n = 2 * h;
        var rtw = half.RealTwiddlesAs<T>();
        var scratch = ArrayPool<T>.Shared.Rent(n);
        try
        {
            FftCpu.RowParallel(half, x, xOffset, spectrum, spectrumOffset, scratch, false, T.One);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
        CpuParallel.For(h / 2 + 1, 40, (k0, k1) => Post(spectrum.AsSpan(spectrumOffset, n + 2), rtw, h, k0, k1));
    }

    /// <summary>One long row with every step split over threads: spectrum[sOff..+n+2] → x[xOff..+n], times scale.</summary>
    public static void InverseLong<T>(FftPlan half, T[] spectrum, int spectrumOffset, T[] x, int xOffset, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = half.Size, n = 2 * h;
        var rtw = half.RealTwiddlesAs<T>();
        CpuParallel.For(h / 2 + 1, 40, (k0, k1) => Pre(spectrum.AsSpan(spectrumOffset, n + 2), x.AsSpan(xOffset, n), rtw, h, k0, k1));
        var scratch = ArrayPool<T>.Shared.Rent(n);
        try
        {
            FftCpu.RowParallel(half, x, xOffset, x, xOffset, scratch, true, scale);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(scratch);
        }
    }

    /// <summary>Whether one row of this size is worth splitting over threads.</summary>
    internal static bool IsLong(FftPlan half) => (long)half.Size * half.Log2Size >= 1 << 17;

    /// <summary>Turns Z (h complex, in the first 2h values of <paramref name="s"/>) into X (h + 1 complex), in
    /// place, for the pairs (k, h − k) with k in [k0, k1) ⊂ [0, h/2].</summary>
    private static void Post<T>(Span<T> s, ReadOnlySpan<T> rtw, int h, int k0, int k1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k0 == 0 && k1 > 0)
        {
            T re = s[0], im = s[1];
            s[0] = re + im;
            s[1] = T.Zero;
            s[2 * h] = re - im;
            s[2 * h + 1] = T.Zero;
            k0 = 1;
        }
        T half = T.CreateTruncating(0.5);
        for (int k = PostVector(s, rtw, h, k0, k1); k < k1; k++)
        {
            int j = h - k;
            T zkR = s[2 * k], zkI = s[2 * k + 1], zjR = s[2 * j], zjI = s[2 * j + 1];
            T eR = half * (zkR + zjR), eI = half * (zkI - zjI);   // E = (Z[k] + conj Z[j]) / 2
            T oR = half * (zkI + zjI), oI = -half * (zkR - zjR);  // O = −i·(Z[k] − conj Z[j]) / 2
            T wR = rtw[2 * k], wI = rtw[2 * k + 1];
            T tR = wR * oR - wI * oI, tI = wR * oI + wI * oR;     // Wᵏ·O
            s[2 * k] = eR + tR;
            s[2 * k + 1] = eI + tI;
            s[2 * j] = eR - tR;
            s[2 * j + 1] = tI - eI;
        }
    }

    /// <summary><see cref="Post"/> on vectors of V = Vector256&lt;T&gt;.Count/2 pairs at a time, from k0 while the
    /// k block and the mirrored h − k block stay apart; returns where the scalar loop goes on.</summary>
    private static int PostVector<T>(Span<T> s, ReadOnlySpan<T> rtw, int h, int k0, int k1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector256.IsHardwareAccelerated) return k0;
        int v = Vector256<T>.Count / 2, k = k0;
        var conj = FftCpu.Rotation<T>(true);     // (1, −1, …): conj(z) = z·conj; −i·z = Swap(z)·conj
        var rotate = FftCpu.Rotation<T>(false);  // (−1, 1, …): for a product a·b
        var half = Vector256.Create(T.CreateTruncating(0.5));
        for (; k + v <= k1 && 2 * (k + v) <= h - v + 1; k += v)
        {
            int j0 = h - k - v + 1; // the mirrored block: h − k − v + 1 … h − k, reversed below
            var zk = Vector256.Create<T>(s[(2 * k)..]);
            var zj = Reverse(Vector256.Create<T>(s[(2 * j0)..]));
            var cj = zj * conj;
            var e = half * (zk + cj);
            var o = half * (FftCpu.Swap(zk - cj) * conj);
            var w = Vector256.Create<T>(rtw[(2 * k)..]);
            var t = o * FftCpu.DuplicateReal(w) + FftCpu.Swap(o) * (FftCpu.DuplicateImaginary(w) * rotate);
            (e + t).CopyTo(s[(2 * k)..]);
            Reverse((e - t) * conj).CopyTo(s[(2 * j0)..]);
        }
        return k;
    }

    /// <summary>The complex numbers of a vector in reverse order.</summary>
    private static Vector256<T> Reverse<T>(Vector256<T> v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return Vector256.Shuffle(v.As<T, double>(), Vector256.Create(3L, 2, 1, 0)).As<double, T>();
        return Vector256.Shuffle(v.As<T, double>(), Vector256.Create(2L, 3, 0, 1)).As<double, T>();
    }

    /// <summary>Builds Z' (h complex, into <paramref name="z"/>) from X (h + 1 complex) for the pairs (k, h − k)
    /// with k in [k0, k1) ⊂ [0, h/2]. <paramref name="spectrum"/> and <paramref name="z"/> must not overlap.</summary>
    private static void Pre<T>(ReadOnlySpan<T> spectrum, Span<T> z, ReadOnlySpan<T> rtw, int h, int k0, int k1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k0 == 0 && k1 > 0)
        {
            T x0 = spectrum[0], xh = spectrum[2 * h];
            z[0] = x0 + xh;
            z[1] = x0 - xh;
            k0 = 1;
        }
        for (int k = PreVector(spectrum, z, rtw, h, k0, k1); k < k1; k++)
        {
            int j = h - k;
            T xkR = spectrum[2 * k], xkI = spectrum[2 * k + 1], xjR = spectrum[2 * j], xjI = spectrum[2 * j + 1];
            T aR = xkR + xjR, aI = xkI - xjI;                     // A = X[k] + conj X[j]
            T bR = xkR - xjR, bI = xkI + xjI;                     // X[k] − conj X[j]
            T wR = rtw[2 * k], wI = -rtw[2 * k + 1];              // conj(Wᵏ)
            T cR = wR * bR - wI * bI, cI = wR * bI + wI * bR;
            T fR = -cI, fI = cR;                                  // F = i·conj(Wᵏ)·(X[k] − conj X[j])
            z[2 * k] = aR + fR;
            z[2 * k + 1] = aI + fI;
            z[2 * j] = aR - fR;
            z[2 * j + 1] = fI - aI;
        }
    }

    /// <summary><see cref="Pre"/> on vectors of pairs, as <see cref="PostVector"/>.</summary>
    private static int PreVector<T>(ReadOnlySpan<T> spectrum, Span<T> z, ReadOnlySpan<T> rtw, int h, int k0, int k1)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!Vector256.IsHardwareAccelerated) return k0;
        int v = Vector256<T>.Count / 2, k = k0;
        var conj = FftCpu.Rotation<T>(true);     // (1, −1, …): conj, and the sign of a·conj(b)
        var rotate = FftCpu.Rotation<T>(false);  // (−1, 1, …): i·z = Swap(z)·rotate
        for (; k + v <= k1 && 2 * (k + v) <= h - v + 1; k += v)
        {
            int j0 = h - k - v + 1;
            var xk = Vector256.Create<T>(spectrum[(2 * k)..]);
            var cj = Reverse(Vector256.Create<T>(spectrum[(2 * j0)..])) * conj;
            var a = xk + cj;
            var b = xk - cj;
            var w = Vector256.Create<T>(rtw[(2 * k)..]);
            var c = b * FftCpu.DuplicateReal(w) + FftCpu.Swap(b) * (FftCpu.DuplicateImaginary(w) * conj); // conj(Wᵏ)·b
            var f = FftCpu.Swap(c) * rotate;
            (a + f).CopyTo(z[(2 * k)..]);
            Reverse((a - f) * conj).CopyTo(z[(2 * j0)..]);
        }
        return k;
    }
}
