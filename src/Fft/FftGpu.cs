using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL.Fft;

/// <summary>Launches the FFT kernels on an ILGPU device: the passes of a plan over a batch of rows, ping-ponging
/// between the destination and a pooled temporary buffer so that the last pass writes the destination.</summary>
internal static class FftGpu
{
    /// <summary>Complex transform of <paramref name="rows"/> rows of n points, x → y (the same view when
    /// <paramref name="inPlace"/>), times <paramref name="scale"/>.</summary>
    public static void Complex(IlgpuDevice g, FftPlan plan, ViewF x, ViewF y, int rows, bool inverse, float scale, bool inPlace)
    {
        int n = plan.Size, len = 2 * n * rows;
        var passes = plan.Passes;
        using var temp = Tensor.Empty(Shape.Of(len), g);
        ViewF tmp = temp.View.SubView(0, len);
        ViewF src = x, first = y, second = tmp;
        if (passes.Count == 0)
        {
            if (!inPlace) x.SubView(0, len).CopyTo(y.SubView(0, len));
        }
        else if (passes.Count % 2 == 0)
            (first, second) = (tmp, y);
        else if (inPlace)
        {
            x.SubView(0, len).CopyTo(tmp);
            src = tmp;
        }
        float sigma = inverse ? -1f : 1f;
        var radix4 = g.Kernel<Index1D, ViewF, ViewF, ViewF, int, int, int, int, float>(FftKernels.Radix4);
        for (int i = 0; i < passes.Count; i++)
        {
            var dst = i % 2 == 0 ? first : second;
            var pass = passes[i];
            if (pass.Radix == 4)
                radix4(rows * (n / 4), src, dst, plan.DeviceTwiddles, n, pass.Span, pass.Stride, pass.TwiddleOffset, sigma);
            else
                g.Kernel<Index1D, ViewF, ViewF, int>(FftKernels.Radix2)(rows * (n / 2), src, dst, n);
            src = dst;
        }
        if (scale != 1f) g.Kernel<Index1D, ViewF, float>(FftKernels.Scale)(len, y, scale);
    }

    /// <summary>rfft of rows of n = 2h reals (x) into rows of h + 1 complex (spectrum).</summary>
    public static void RealForward(IlgpuDevice g, FftPlan half, ViewF x, ViewF spectrum, int rows)
    {
        int h = half.Size;
        using var z = Tensor.Empty(Shape.Of(rows * 2 * h), g);
        Complex(g, half, x, z.View, rows, false, 1f, false);
        g.Kernel<Index1D, ViewF, ViewF, ViewF, int>(FftKernels.RealPost)(rows * (h / 2 + 1), z.View, spectrum, half.DeviceRealTwiddles, h);
    }

    /// <summary>irfft of rows of h + 1 complex (spectrum) into rows of n = 2h reals (x), times scale.</summary>
    public static void RealInverse(IlgpuDevice g, FftPlan half, ViewF spectrum, ViewF x, int rows, float scale)
    {
        int h = half.Size;
        g.Kernel<Index1D, ViewF, ViewF, ViewF, int>(FftKernels.RealPre)(rows * (h / 2 + 1), spectrum, x, half.DeviceRealTwiddles, h);
        Complex(g, half, x, x, rows, true, scale, true);
    }
}
