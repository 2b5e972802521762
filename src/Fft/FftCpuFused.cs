using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HyenaIL.Fft;

// The last two radix-4 passes of a short row fused into one radix-16 step held in registers, which saves one
// trip through memory (for n = 64, three passes become two). With s = n/16, the next-to-last pass (ℓ = 16, m = 4)
// reads a[p][r] = x[q + s·(p + 4r)] and gives u[q + s·(4p + r)] = DFT4(a[p])_r · w^{r·p}, w = e^{−2πiσ/16}; the
// last pass (ℓ = 4, m = 1, stride 4s) reads, for each r, the four u of p = 0..3 (they sit at
// (q + s·r) + 4s·p) and writes y[q + s·r + 4s·r''] = DFT4(u[·][r])_{r''}. Both are the butterflies of
// FftCpuPasses.cs; the twiddles w^{r·p} are the next-to-last pass's table entries.

internal static partial class FftCpu
{
    /// <summary>Whether the last two passes of <paramref name="plan"/> run fused: both radix 4, the row not
    /// cache-blocked, and s = n/16 at least one vector of complex numbers.</summary>
    private static bool Fuses<T>(FftPlan plan, int split) where T : unmanaged
    {
        var passes = plan.PassArray;
        int count = passes.Length;
        return Vector256.IsHardwareAccelerated && split == count && count >= 2 && passes[count - 1].Radix == 4
               && plan.Size / 16 >= Vector256<T>.Count / 2;
    }

    /// <summary>The fused last two passes over <paramref name="rows"/> consecutive rows of n points.</summary>
    private static void FusedLastPasses<T>(FftPass pass, ReadOnlySpan<T> x, Span<T> y, T[] twiddles, bool inverse, int n, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        var rot = Rotation<T>(inverse);
        var t = twiddles.AsSpan(2 * pass.TwiddleOffset, 24);
        // w^{r·p} for r, p = 1..3 as (wᵣ, wᵣ, …) and (−σwᵢ, σwᵢ, …); the table holds r = 1..3 (rows of 4 p).
        var (r11, i11) = Broadcast(t, 1, rot);
        var (r12, i12) = Broadcast(t, 2, rot);
        var (r13, i13) = Broadcast(t, 3, rot);
        var (r21, i21) = Broadcast(t, 5, rot);
        var (r22, i22) = Broadcast(t, 6, rot);
        var (r23, i23) = Broadcast(t, 7, rot);
        var (r31, i31) = Broadcast(t, 9, rot);
        var (r32, i32) = Broadcast(t, 10, rot);
        var (r33, i33) = Broadcast(t, 11, rot);
        nuint step = (nuint)Vector256<T>.Count, st = (nuint)(2 * pass.Stride);
        for (int row = 0; row < rows; row++)
            for (nuint q = (nuint)(2 * n * row), end = q + st; q < end; q += step)
            {
                // Next-to-last pass: p = 0..3 (a, b, c, d), outputs r = 0..3 twiddled by w^{r·p}.
                var (a0, a1, a2, a3) = Dft4(Vector256.LoadUnsafe(ref xr, q), Vector256.LoadUnsafe(ref xr, q + 4 * st),
                    Vector256.LoadUnsafe(ref xr, q + 8 * st), Vector256.LoadUnsafe(ref xr, q + 12 * st), rot);
                var (b0, b1, b2, b3) = Dft4(Vector256.LoadUnsafe(ref xr, q + st), Vector256.LoadUnsafe(ref xr, q + 5 * st),
                    Vector256.LoadUnsafe(ref xr, q + 9 * st), Vector256.LoadUnsafe(ref xr, q + 13 * st), rot);
                var (c0, c1, c2, c3) = Dft4(Vector256.LoadUnsafe(ref xr, q + 2 * st), Vector256.LoadUnsafe(ref xr, q + 6 * st),
                    Vector256.LoadUnsafe(ref xr, q + 10 * st), Vector256.LoadUnsafe(ref xr, q + 14 * st), rot);
                var (d0, d1, d2, d3) = Dft4(Vector256.LoadUnsafe(ref xr, q + 3 * st), Vector256.LoadUnsafe(ref xr, q + 7 * st),
                    Vector256.LoadUnsafe(ref xr, q + 11 * st), Vector256.LoadUnsafe(ref xr, q + 15 * st), rot);
                b1 = Twiddle(b1, r11, i11);
                b2 = Twiddle(b2, r21, i21);
                b3 = Twiddle(b3, r31, i31);
                c1 = Twiddle(c1, r12, i12);
                c2 = Twiddle(c2, r22, i22);
                c3 = Twiddle(c3, r32, i32);
                d1 = Twiddle(d1, r13, i13);
                d2 = Twiddle(d2, r23, i23);
                d3 = Twiddle(d3, r33, i33);
                // Last pass: for each r, a DFT of size 4 over p, written with stride 4s.
                Store4(ref yr, q, st, Dft4(a0, b0, c0, d0, rot));
                Store4(ref yr, q + st, st, Dft4(a1, b1, c1, d1, rot));
                Store4(ref yr, q + 2 * st, st, Dft4(a2, b2, c2, d2, rot));
                Store4(ref yr, q + 3 * st, st, Dft4(a3, b3, c3, d3, rot));
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4<T>(ref T y, nuint at, nuint st, (Vector256<T>, Vector256<T>, Vector256<T>, Vector256<T>) z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        z.Item1.StoreUnsafe(ref y, at);
        z.Item2.StoreUnsafe(ref y, at + 4 * st);
        z.Item3.StoreUnsafe(ref y, at + 8 * st);
        z.Item4.StoreUnsafe(ref y, at + 12 * st);
    }

    /// <summary>The four outputs of a DFT of size 4 (σ in <paramref name="rot"/>), no twiddles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<T>, Vector256<T>, Vector256<T>, Vector256<T>) Dft4<T>(
        Vector256<T> a, Vector256<T> b, Vector256<T> c, Vector256<T> d, Vector256<T> rot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var apc = a + c;
        var amc = a - c;
        var bpd = b + d;
        var jbmd = Swap(b - d) * rot;
        return (apc + bpd, amc - jbmd, apc - bpd, amc + jbmd);
    }
}
