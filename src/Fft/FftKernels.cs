using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL.Fft;

// ILGPU kernels of the FFT, float32: one launch per Stockham pass (radix 4 or radix 2; the formulas are those of
// FftCpu, one thread per butterfly over every row of the batch), the real-transform post- and pre-processing
// of RealFftCpu (one thread per pair (k, h − k)), and a scaling pass. Twiddles come from the plan's table,
// uploaded once per device; σ = +1 forward, −1 inverse conjugates them and flips the ±i rotation.

internal static class FftKernels
{
    /// <summary>One radix-4 pass over rows of n complex numbers; thread i is butterfly (row, p, q).</summary>
    [Kernel]
    internal static void Radix4(Index1D i, ViewF x, ViewF y, ViewF tw, int n, int m, int s, int twOffset, float sigma)
    {
        int quarter = n / 4;
        int row = i / quarter, r = i - row * quarter;
        int p = r / s, q = r - p * s;
        int bas = 2 * n * row;
        int ia = bas + 2 * (q + s * p), ib = ia + 2 * s * m, ic = ib + 2 * s * m, id = ic + 2 * s * m;
        float apcR = x[ia] + x[ic], apcI = x[ia + 1] + x[ic + 1];
        float amcR = x[ia] - x[ic], amcI = x[ia + 1] - x[ic + 1];
        float bpdR = x[ib] + x[id], bpdI = x[ib + 1] + x[id + 1];
        float jR = -sigma * (x[ib + 1] - x[id + 1]), jI = sigma * (x[ib] - x[id]);
        int t = 2 * (twOffset + p), t2 = t + 2 * m, t3 = t2 + 2 * m;
        int o = bas + 2 * (q + 4 * s * p), st = 2 * s;
        y[o] = apcR + bpdR;
        y[o + 1] = apcI + bpdI;
        Rotate(y, o + st, amcR - jR, amcI - jI, tw[t], sigma * tw[t + 1]);
        Rotate(y, o + 2 * st, apcR - bpdR, apcI - bpdI, tw[t2], sigma * tw[t2 + 1]);
        Rotate(y, o + 3 * st, amcR + jR, amcI + jI, tw[t3], sigma * tw[t3 + 1]);
    }

    private static void Rotate(ViewF y, int at, float re, float im, float wr, float wi)
    {
        y[at] = re * wr - im * wi;
        y[at + 1] = re * wi + im * wr;
    }

    /// <summary>The radix-2 last pass (ℓ = 2, stride n/2, no twiddles); thread i is (row, q).</summary>
    [Kernel]
    internal static void Radix2(Index1D i, ViewF x, ViewF y, int n)
    {
        int half = n / 2;
        int row = i / half, q = i - row * half;
        int a = 2 * (n * row + q), b = a + n;
        float aR = x[a], aI = x[a + 1], bR = x[b], bI = x[b + 1];
        y[a] = aR + bR;
        y[a + 1] = aI + bI;
        y[b] = aR - bR;
        y[b + 1] = aI - bI;
    }

    /// <summary>Z (rows of h complex) → X (rows of h + 1 complex); thread i is (row, k), k ≤ h/2.</summary>
    [Kernel]
    internal static void RealPost(Index1D i, ViewF z, ViewF spectrum, ViewF rtw, int h)
    {
        int pairs = h / 2 + 1;
        int row = i / pairs, k = i - row * pairs;
        int zb = 2 * h * row, xb = (2 * h + 2) * row;
        if (k == 0)
        {
            float re = z[zb], im = z[zb + 1];
            spectrum[xb] = re + im;
            spectrum[xb + 1] = 0f;
            spectrum[xb + 2 * h] = re - im;
            spectrum[xb + 2 * h + 1] = 0f;
            return;
        }
        int j = h - k;
        float zkR = z[zb + 2 * k], zkI = z[zb + 2 * k + 1], zjR = z[zb + 2 * j], zjI = z[zb + 2 * j + 1];
        float eR = 0.5f * (zkR + zjR), eI = 0.5f * (zkI - zjI);
        float oR = 0.5f * (zkI + zjI), oI = -0.5f * (zkR - zjR);
        float wR = rtw[2 * k], wI = rtw[2 * k + 1];
        float tR = wR * oR - wI * oI, tI = wR * oI + wI * oR;
        spectrum[xb + 2 * k] = eR + tR;
        spectrum[xb + 2 * k + 1] = eI + tI;
        spectrum[xb + 2 * j] = eR - tR;
        spectrum[xb + 2 * j + 1] = tI - eI;
    }

    /// <summary>X (rows of h + 1 complex) → Z' (rows of h complex); thread i is (row, k), k ≤ h/2.</summary>
    [Kernel]
    internal static void RealPre(Index1D i, ViewF spectrum, ViewF z, ViewF rtw, int h)
    {
        int pairs = h / 2 + 1;
        int row = i / pairs, k = i - row * pairs;
        int zb = 2 * h * row, xb = (2 * h + 2) * row;
        if (k == 0)
        {
            float x0 = spectrum[xb], xh = spectrum[xb + 2 * h];
            z[zb] = x0 + xh;
            z[zb + 1] = x0 - xh;
            return;
        }
        int j = h - k;
        float xkR = spectrum[xb + 2 * k], xkI = spectrum[xb + 2 * k + 1], xjR = spectrum[xb + 2 * j], xjI = spectrum[xb + 2 * j + 1];
        float aR = xkR + xjR, aI = xkI - xjI;
        float bR = xkR - xjR, bI = xkI + xjI;
        float wR = rtw[2 * k], wI = -rtw[2 * k + 1];
        float cR = wR * bR - wI * bI, cI = wR * bI + wI * bR;
        float fR = -cI, fI = cR;
        z[zb + 2 * k] = aR + fR;
        z[zb + 2 * k + 1] = aI + fI;
        z[zb + 2 * j] = aR - fR;
        z[zb + 2 * j + 1] = fI - aI;
    }

    /// <summary>x[i] ·= scale.</summary>
    [Kernel]
    internal static void Scale(Index1D i, ViewF x, float scale) => x[i] *= scale;
}
