using HyenaIL.Fft;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>
/// The transforms on each device at sizes the ILGPU simulator can run (n ≤ 2^10, three rows): against the O(n²)
/// float64 DFT by definition (sign and scaling conventions), and against the cpu device's float32 result.
/// Tolerances, element by element: a float32 FFT's error on one output is about eps·log2(n)·‖x‖₂ with
/// ‖x‖₂ ≈ sqrt(n/3) for inputs uniform in [−1, 1]; atol = 1e-6·sqrt(n) covers that with a margin of ~4 at
/// n = 1024, rtol = 1e-5 as for elementwise ops. The signal, |X| ~ sqrt(n/3), is well above atol.
/// </summary>
public abstract class FourierTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int> Sizes() => new() { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void ComplexTransformsMatchTheDftByDefinition(int n)
    {
        const int rows = 3;
        var x = RandomData.AsFloat32(RandomData.Uniform(n, 2 * n * rows));
        using var tx = Upload(x, rows, n, 2);
        using var forward = Fourier.Forward(tx);
        using var inverse = Fourier.Inverse(tx);
        using var scaled = Fourier.Inverse(tx, FftScaling.DivideByN);
        double atol = Atol(n);
        var expected = n <= 256 ? Reference.Dft(x, rows, n) : FourierAccuracyTests.Oracle(x, rows, n, inverse: false);
        Tolerance.AssertClose(expected, forward.ToFloatArray(), $"forward n={n} on {DeviceName}", atol: atol);
        var expectedInverse = n <= 256 ? Reference.Dft(x, rows, n, inverse: true) : FourierAccuracyTests.Oracle(x, rows, n, inverse: true);
        Tolerance.AssertClose(expectedInverse, inverse.ToFloatArray(), $"inverse n={n} on {DeviceName}", atol: atol);
        Tolerance.AssertClose(expectedInverse.Select(v => v / n).ToArray(), RandomData.ToDouble(scaled.ToFloatArray()), $"inverse/n n={n} on {DeviceName}",
            atol: atol / n, requireSignal: false);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void RealTransformsMatchTheDftAndRoundTrip(int n)
    {
        if (n < 2) return;
        const int rows = 3;
        int bins = n / 2 + 1;
        var x = RandomData.AsFloat32(RandomData.Uniform(1000 + n, n * rows));
        var complex = new double[2 * n * rows];
        for (int i = 0; i < x.Length; i++) complex[2 * i] = x[i];
        var full = n <= 256 ? Reference.Dft(complex, rows, n) : FourierAccuracyTests.Oracle(complex, rows, n, inverse: false);
        var expected = new double[rows * bins * 2];
        for (int r = 0; r < rows; r++) Array.Copy(full, 2 * r * n, expected, 2 * r * bins, 2 * bins);

        using var tx = Upload(x, rows, n);
        using var spectrum = Fourier.Rfft(tx);
        Tolerance.AssertClose(expected, spectrum.ToFloatArray(), $"rfft n={n} on {DeviceName}", atol: Atol(n));
        using var back = Fourier.Irfft(spectrum, FftScaling.DivideByN);
        Tolerance.AssertClose(x, back.ToFloatArray(), $"irfft(rfft(x)) n={n} on {DeviceName}", atol: Atol(n) / Math.Sqrt(n));
        using var unscaled = Fourier.Irfft(spectrum);
        Tolerance.AssertClose(x.Select(v => v * n).ToArray(), unscaled.ToFloatArray(), $"irfft unscaled n={n} on {DeviceName}",
            atol: Atol(n) * Math.Sqrt(n));
    }

    [Fact]
    public void DeviceResultsMatchTheCpu()
    {
        // The same float32 inputs through the cpu passes and the kernels: both add and multiply in float32 with
        // the same twiddles, so they may differ only by rounding order (FMA on the CPU).
        const int n = 512, rows = 2;
        var x = RandomData.AsFloat32(RandomData.Uniform(7, 2 * n * rows));
        using var onCpu = Tensor.FromArray(RandomData.ToFloat(x), Shape.Of(rows, n, 2), Cpu);
        using var onDevice = Upload(x, rows, n, 2);
        using var fc = Fourier.Forward(onCpu);
        using var fd = Fourier.Forward(onDevice);
        Tolerance.AssertClose(fc.ToFloatArray(), fd.ToFloatArray(), $"forward on {DeviceName} vs cpu", 1e-5, 1e-5);
    }

    [Fact]
    public void LeadingAxesAreBatchAxes()
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(8, 2 * 3 * 16 * 2));
        using var t = Upload(x, 2, 3, 16, 2);
        using var y = Fourier.Forward(t);
        Assert.Equal(Shape.Of(2, 3, 16, 2), y.Shape);
        Tolerance.AssertClose(Reference.Dft(x, 6, 16), y.ToFloatArray(), "batched (2, 3, 16, 2)", atol: Atol(16));
    }

    [Fact]
    public void BadShapesNameTheOpAndTheShape()
    {
        using var notComplex = Upload(new double[12], 4, 3);
        var e = Assert.Throws<ShapeException>(() => Fourier.Forward(notComplex));
        Assert.Contains("Fourier.Forward", e.Message);
        Assert.Contains("(4, 3)", e.Message);

        using var notPow2 = Upload(new double[12], 6, 2);
        e = Assert.Throws<ShapeException>(() => Fourier.Inverse(notPow2));
        Assert.Contains("Fourier.Inverse", e.Message);
        Assert.Contains("power of two", e.Message);
        Assert.Contains("(6, 2)", e.Message);

        using var real = Upload(new double[12], 12);
        e = Assert.Throws<ShapeException>(() => Fourier.Rfft(real));
        Assert.Contains("Fourier.Rfft", e.Message);
        Assert.Contains("(12,)", e.Message);

        using var oneReal = Upload(new double[1], 1);
        Assert.Throws<ShapeException>(() => Fourier.Rfft(oneReal));

        using var badBins = Upload(new double[8], 4, 2);
        e = Assert.Throws<ShapeException>(() => Fourier.Irfft(badBins));
        Assert.Contains("Fourier.Irfft", e.Message);
        Assert.Contains("(4, 2)", e.Message);
    }

    private static double Atol(int n) => 1e-6 * Math.Sqrt(n);
}

public sealed class FourierTestsCpu(DeviceFixture f) : FourierTests(f, "cpu");

public sealed class FourierTestsIlgpuCpu(DeviceFixture f) : FourierTests(f, "ilgpu-cpu");

public sealed class FourierTestsCuda(DeviceFixture f) : FourierTests(f, "cuda");
