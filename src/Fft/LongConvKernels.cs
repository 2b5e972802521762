using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL.Fft;

// ILGPU kernels of the FFT long convolution (float32; the steps of LongConvFft). Spectra are rows of `bins`
// interleaved complex numbers; a row index is b·C + c, so the channel of row r is r mod C.

internal static class LongConvKernels
{
    /// <summary>padded[r, t] = t &lt; l ? x[r, t] : 0, for rows of length p.</summary>
    [Kernel]
    internal static void Pad(Index1D i, ViewF x, ViewF padded, int l, int p)
    {
        int row = i / p, t = i - row * p;
        padded[i] = t < l ? x[row * l + t] : 0f;
    }

    /// <summary>spectrum[r, k] ← spectrum[r, k]·K[r mod C, k], with K's imaginary part times
    /// <paramref name="sign"/> (−1: multiply by conj K).</summary>
    [Kernel]
    internal static void MultiplySpectra(Index1D i, ViewF spectrum, ViewF filter, int bins, int c, float sign)
    {
        int row = i / bins, k = i - row * bins;
        int s = 2 * i, f = 2 * ((row % c) * bins + k);
        float ar = spectrum[s], ai = spectrum[s + 1], br = filter[f], bi = sign * filter[f + 1];
        spectrum[s] = ar * br - ai * bi;
        spectrum[s + 1] = ai * br + ar * bi;
    }

    /// <summary>acc[c, k] = Σ_b dy[b, c, k]·conj(u[b, c, k]); thread i is (c, k).</summary>
    [Kernel]
    internal static void CorrelateOverBatch(Index1D i, ViewF dy, ViewF u, ViewF acc, int b, int c, int bins)
    {
        float re = 0f, im = 0f;
        for (int bi = 0; bi < b; bi++)
        {
            int at = 2 * (bi * c * bins + i);
            float gr = dy[at], gi = dy[at + 1], ur = u[at], ui = u[at + 1];
            re += gr * ur + gi * ui;
            im += gi * ur - gr * ui;
        }
        acc[2 * i] = re;
        acc[2 * i + 1] = im;
    }

    /// <summary>y[r, t] = full[r, t] + D[r mod C]·x[r, t] for t &lt; l (full has rows of length p).</summary>
    [Kernel]
    internal static void CropAddSkip(Index1D i, ViewF full, ViewF x, ViewF d, ViewF y, int c, int l, int p)
    {
        int row = i / l, t = i - row * l;
        y[i] = full[row * p + t] + d[row % c] * x[i];
    }

    /// <summary>y[r, t] = full[r, t] for t &lt; l.</summary>
    [Kernel]
    internal static void Crop(Index1D i, ViewF full, ViewF y, int l, int p)
    {
        int row = i / l, t = i - row * l;
        y[i] = full[row * p + t];
    }

    /// <summary>dd[c] = dk[c, 0]: with j = 0, dk's sum Σ_b Σ_t dy[t]·u[t − j] is dD's.</summary>
    [Kernel]
    internal static void FirstColumn(Index1D c, ViewF dk, ViewF dd, int l) => dd[c] = dk[c * l];
}
