using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL.Fft;

// The FFT method of LongConv (formulas in LongConv.cs), dispatched to the CPU (LongConvCpu) or to ILGPU kernels.
// On an ILGPU device the steps run batched over every row, each one kernel: pad to P, rfft (FftGpu), multiply
// spectra, irfft, crop and add the skip term; dk's spectra are summed over the batch by one kernel before a
// single inverse per channel, and dD is read off dk[c, 0] (the same sum Σ_{b,t} dy·u).

internal static class LongConvFft
{
    public static LongConvFilter Filter(Tensor k)
    {
        int c = k.Shape[0], l = k.Shape[1];
        int p = LongConv.FftSize(l), h = p / 2;
        var half = FftPlan.For(k.Device, h);
        var spectrum = Tensor.Empty(Shape.Of(c, h + 1, 2), k.Device, k.DType);
        if (k.Device is IlgpuDevice g)
        {
            using var padded = Pad(g, k.View, c, l, p);
            FftGpu.RealForward(g, half, padded.View, spectrum.View, c);
            g.Kernel<Index1D, ViewF, float>(FftKernels.Scale)(spectrum.Size, spectrum.View, 1f / p);
        }
        else if (k.DType == DType.Float32) LongConvCpu.Filter(half, k.CpuArray<float>(), spectrum.CpuArray<float>(), c, l);
        else LongConvCpu.Filter(half, k.CpuArray<double>(), spectrum.CpuArray<double>(), c, l);
        return new LongConvFilter(spectrum, c, l);
    }

    public static Tensor Forward(Tensor u, LongConvFilter filter, Tensor d)
    {
        int b = u.Shape[0], c = u.Shape[1], l = u.Shape[2], p = filter.FftSize;
        var half = FftPlan.For(u.Device, p / 2);
        var kf = filter.Spectrum;
        var y = Tensor.EmptyLike(u);
        if (u.Device is IlgpuDevice g)
        {
            int rows = b * c, bins = p / 2 + 1;
            using var spectrum = Spectrum(g, half, u.View, rows, l, p);
            g.Kernel<Index1D, ViewF, ViewF, int, int, float>(LongConvKernels.MultiplySpectra)(rows * bins, spectrum.View, kf.View, bins, c, 1f);
            using var full = Tensor.Empty(Shape.Of(rows * p), g);
            FftGpu.RealInverse(g, half, spectrum.View, full.View, rows, 1f);
            g.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF, int, int, int>(LongConvKernels.CropAddSkip)(rows * l, full.View, u.View, d.View, y.View, c, l, p);
        }
        else if (u.DType == DType.Float32)
            LongConvCpu.Forward(half, u.CpuArray<float>(), kf.CpuArray<float>(), d.CpuArray<float>(), y.CpuArray<float>(), b, c, l);
        else
            LongConvCpu.Forward(half, u.CpuArray<double>(), kf.CpuArray<double>(), d.CpuArray<double>(), y.CpuArray<double>(), b, c, l);
        return y;
    }

    public static (Tensor DU, Tensor DK, Tensor DD) Backward(Tensor u, LongConvFilter filter, Tensor d, Tensor dy)
    {
        int b = u.Shape[0], c = u.Shape[1], l = u.Shape[2], p = filter.FftSize;
        var half = FftPlan.For(u.Device, p / 2);
        var kf = filter.Spectrum;
        var du = Tensor.EmptyLike(u);
        var dk = Tensor.Empty(Shape.Of(c, l), u.Device, u.DType);
        var dd = Tensor.Empty(Shape.Of(c), u.Device, u.DType);
        if (u.Device is IlgpuDevice g) BackwardGpu(g, half, u, kf, d, dy, du, dk, dd);
        else if (u.DType == DType.Float32)
            LongConvCpu.Backward(half, u.CpuArray<float>(), kf.CpuArray<float>(), d.CpuArray<float>(), dy.CpuArray<float>(),
                du.CpuArray<float>(), dk.CpuArray<float>(), dd.CpuArray<float>(), b, c, l);
        else
            LongConvCpu.Backward(half, u.CpuArray<double>(), kf.CpuArray<double>(), d.CpuArray<double>(), dy.CpuArray<double>(),
                du.CpuArray<double>(), dk.CpuArray<double>(), dd.CpuArray<double>(), b, c, l);
        return (du, dk, dd);
    }

    private static void BackwardGpu(IlgpuDevice g, FftPlan half, Tensor u, Tensor kf, Tensor d, Tensor dy, Tensor du, Tensor dk, Tensor dd)
    {
        int b = u.Shape[0], c = u.Shape[1], l = u.Shape[2], p = 2 * half.Size, rows = b * c, bins = p / 2 + 1;
        using var su = Spectrum(g, half, u.View, rows, l, p);
        using var sdy = Spectrum(g, half, dy.View, rows, l, p);
        // dk: Σ_b DY·conj U per channel, one inverse each, scaled by 1/P.
        using var acc = Tensor.Empty(Shape.Of(c * bins * 2), g);
        g.Kernel<Index1D, ViewF, ViewF, ViewF, int, int, int>(LongConvKernels.CorrelateOverBatch)(c * bins, sdy.View, su.View, acc.View, b, c, bins);
        using var fullK = Tensor.Empty(Shape.Of(c * p), g);
        FftGpu.RealInverse(g, half, acc.View, fullK.View, c, 1f / p);
        g.Kernel<Index1D, ViewF, ViewF, int, int>(LongConvKernels.Crop)(c * l, fullK.View, dk.View, l, p);
        g.Kernel<Index1D, ViewF, ViewF, int>(LongConvKernels.FirstColumn)(c, dk.View, dd.View, l);
        // du: DY·conj(K/P), inverse, crop, + D⊙dy.
        g.Kernel<Index1D, ViewF, ViewF, int, int, float>(LongConvKernels.MultiplySpectra)(rows * bins, sdy.View, kf.View, bins, c, -1f);
        using var fullU = Tensor.Empty(Shape.Of(rows * p), g);
        FftGpu.RealInverse(g, half, sdy.View, fullU.View, rows, 1f);
        g.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF, int, int, int>(LongConvKernels.CropAddSkip)(rows * l, fullU.View, dy.View, d.View, du.View, c, l, p);
    }

    /// <summary>rfft of rows of length l zero-padded to p: (rows, p/2 + 1, 2).</summary>
    private static Tensor Spectrum(IlgpuDevice g, FftPlan half, ViewF x, int rows, int l, int p)
    {
        using var padded = Pad(g, x, rows, l, p);
        var spectrum = Tensor.Empty(Shape.Of(rows, p / 2 + 1, 2), g);
        FftGpu.RealForward(g, half, padded.View, spectrum.View, rows);
        return spectrum;
    }

    private static Tensor Pad(IlgpuDevice g, ViewF x, int rows, int l, int p)
    {
        var padded = Tensor.Empty(Shape.Of(rows, p), g);
        g.Kernel<Index1D, ViewF, ViewF, int, int>(LongConvKernels.Pad)(rows * p, x, padded.View, l, p);
        return padded;
    }
}
