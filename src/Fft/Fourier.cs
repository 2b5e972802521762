namespace HyenaIL.Fft;

// Batched discrete Fourier transforms of power-of-two size n (1 ≤ n ≤ 2^22 complex, 2 ≤ n ≤ 2^22 real), on any
// device; float32 everywhere, float64 on the cpu device.
//   Forward:  X[k] = Σ_{j<n} x[j]·e^{−2πi·jk/n}                        (no scaling)
//   Inverse:  x[j] = s·Σ_{k<n} X[k]·e^{+2πi·jk/n},  s = 1 (FftScaling.None) or 1/n (FftScaling.DivideByN)
//   Rfft:     X[k] for k = 0..n/2 of a real x (the other bins are conj X[n−k])
//   Irfft:    x[j] = s·Σ_{k<n} X[k]·e^{+2πi·jk/n} over the Hermitian extension of X[0..n/2]; the imaginary parts
//             of X[0] and X[n/2] are ignored. Irfft(Rfft(x), DivideByN) = x.
// Layout: complex numbers are interleaved (re, im) along a last axis of size 2, so a complex tensor of n points
// has shape (..., n, 2); every leading axis is a batch axis. Algorithm: FftPlan (Stockham, radix 4 and 2), the
// CPU passes in FftCpu, the kernels in FftKernels; a real transform runs one complex transform of n/2 points
// (RealFftCpu).

/// <summary>The factor an inverse transform applies.</summary>
public enum FftScaling
{
    /// <summary>No factor: Inverse(Forward(x)) = n·x.</summary>
    None,

    /// <summary>1/n: Inverse(Forward(x)) = x.</summary>
    DivideByN,
}

/// <summary>Batched complex and real FFTs over the last axes of a tensor. See the file header for conventions.</summary>
public static class Fourier
{
    /// <summary>X[k] = Σ_j x[j]·e^{−2πi·jk/n} for each row of <paramref name="x"/> (..., n, 2).</summary>
    public static Tensor Forward(Tensor x) => Complex("Fourier.Forward", x, false, FftScaling.None);

    /// <summary>x[j] = s·Σ_k X[k]·e^{+2πi·jk/n} for each row of <paramref name="spectrum"/> (..., n, 2).</summary>
    public static Tensor Inverse(Tensor spectrum, FftScaling scaling = FftScaling.None) =>
        Complex("Fourier.Inverse", spectrum, true, scaling);

    /// <summary>The n/2 + 1 non-redundant bins of the transform of each real row of <paramref name="x"/>
    /// (..., n): returns (..., n/2 + 1, 2).</summary>
    public static Tensor Rfft(Tensor x)
    {
        const string op = "Fourier.Rfft";
        Check.Float(op, x, "x");
        Check.MinRank(op, x, 1, "x");
        int n = x.Shape[^1];
        if (n < 2 || n > FftPlan.MaxSize || (n & (n - 1)) != 0)
            throw new ShapeException($"{op}: the last axis of x must be a power of two from 2 to 2^22, got shape {x.Shape}");
        int rows = x.Size / n;
        var dims = x.Shape.ToArray();
        var outDims = dims[..^1].Append(n / 2 + 1).Append(2).ToArray();
        var spectrum = Tensor.Empty(new Shape(outDims), x.Device, x.DType);
        var half = FftPlan.For(x.Device, n / 2);
        if (x.Device is IlgpuDevice g) FftGpu.RealForward(g, half, x.View, spectrum.View, rows);
        else if (x.DType == DType.Float32) RealFftCpu.Forward(half, x.CpuArray<float>(), spectrum.CpuArray<float>(), rows);
        else RealFftCpu.Forward(half, x.CpuArray<double>(), spectrum.CpuArray<double>(), rows);
        return spectrum;
    }

    /// <summary>The real rows (..., n) whose spectra are <paramref name="spectrum"/> (..., n/2 + 1, 2).</summary>
    public static Tensor Irfft(Tensor spectrum, FftScaling scaling = FftScaling.None)
    {
        const string op = "Fourier.Irfft";
        Check.Float(op, spectrum, "spectrum");
        Check.MinRank(op, spectrum, 2, "spectrum");
        int bins = spectrum.Shape[^2], h = bins - 1;
        if (spectrum.Shape[^1] != 2 || h < 1 || 2L * h > FftPlan.MaxSize || (h & (h - 1)) != 0)
            throw new ShapeException($"{op}: spectrum must have shape (..., n/2 + 1, 2) with n a power of two from 2 to 2^22, got {spectrum.Shape}");
        int n = 2 * h, rows = spectrum.Size / (2 * bins);
        var dims = spectrum.Shape.ToArray();
        var x = Tensor.Empty(new Shape(dims[..^2].Append(n).ToArray()), spectrum.Device, spectrum.DType);
        var half = FftPlan.For(spectrum.Device, h);
        double scale = scaling == FftScaling.DivideByN ? 1.0 / n : 1.0;
        if (spectrum.Device is IlgpuDevice g) FftGpu.RealInverse(g, half, spectrum.View, x.View, rows, (float)scale);
        else if (x.DType == DType.Float32) RealFftCpu.Inverse(half, spectrum.CpuArray<float>(), x.CpuArray<float>(), rows, (float)scale);
        else RealFftCpu.Inverse(half, spectrum.CpuArray<double>(), x.CpuArray<double>(), rows, scale);
        return x;
    }

    private static Tensor Complex(string op, Tensor x, bool inverse, FftScaling scaling)
    {
        Check.Float(op, x, "x");
        Check.MinRank(op, x, 2, "x");
        int n = x.Shape[^2];
        if (x.Shape[^1] != 2)
            throw new ShapeException($"{op}: x must hold interleaved complex numbers, shape (..., n, 2), got {x.Shape}");
        if (n > FftPlan.MaxSize || (n & (n - 1)) != 0)
            throw new ShapeException($"{op}: the transform axis (n in (..., n, 2)) must be a power of two from 1 to 2^22, got shape {x.Shape}");
        if (!Enum.IsDefined(scaling))
            throw new ArgumentOutOfRangeException(nameof(scaling), scaling, $"{op}: unknown scaling");
        int rows = x.Size / (2 * n);
        var y = Tensor.EmptyLike(x);
        var plan = FftPlan.For(x.Device, n);
        double scale = scaling == FftScaling.DivideByN ? 1.0 / n : 1.0;
        if (x.Device is IlgpuDevice g) FftGpu.Complex(g, plan, x.View, y.View, rows, inverse, (float)scale, false);
        else if (x.DType == DType.Float32) FftCpu.Batch(plan, x.CpuArray<float>(), y.CpuArray<float>(), rows, inverse, (float)scale);
        else FftCpu.Batch(plan, x.CpuArray<double>(), y.CpuArray<double>(), rows, inverse, scale);
        return y;
    }
}
