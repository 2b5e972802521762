using System.Numerics;
using HyenaIL.Fft;
using HyenaIL.TestSupport;
using MathNet.Numerics.IntegralTransforms;
using Fourier = HyenaIL.Fft.Fourier;
using MathNetFourier = MathNet.Numerics.IntegralTransforms.Fourier;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>
/// Every power of two from 2 to 2^20 on the cpu device, against MathNet.Numerics' FFT in float64 (the oracle).
/// Bound: relative L2 error ≤ 1e-6 in float32. A float32 FFT's error grows like eps·sqrt(log2 n) in the L2 norm
/// (eps = 6e-8), so ~1e-7 is expected even at 2^20; 1e-6 leaves a margin of about 5 and still catches a wrong
/// twiddle (error ~1e-3 or more) or a wrong pass (error ~1). Float64 must reach 1e-13 (eps 1.1e-16, the same
/// growth, margin ~50).
/// </summary>
public sealed class FourierAccuracyTests
{
    private const double Float32Bound = 1e-6;
    private const double Float64Bound = 1e-13;

    public static TheoryData<int> Exponents()
    {
        var data = new TheoryData<int>();
        for (int e = 1; e <= 20; e++) data.Add(e);
        return data;
    }

    /// <summary>A few rows for small sizes (the batched path), one for large ones (split inside the transform).</summary>
    private static int Rows(int n) => n <= 1 << 12 ? 3 : 1;

    [Theory]
    [MemberData(nameof(Exponents))]
    public void ComplexForwardAndInverseMatchMathNetInFloat32(int e)
    {
        int n = 1 << e, rows = Rows(n);
        var x = RandomData.AsFloat32(RandomData.Uniform(e, 2 * n * rows));
        var expected = Oracle(x, rows, n, inverse: false);
        using var tx = Tensor.FromArray(RandomData.ToFloat(x), Shape.Of(rows, n, 2), Device.Cpu);
        using var forward = Fourier.Forward(tx);
        AssertRelative(expected, RandomData.ToDouble(forward.ToFloatArray()), Float32Bound, $"forward n={n}");

        var spectrum = RandomData.AsFloat32(expected);
        using var ts = Tensor.FromArray(RandomData.ToFloat(spectrum), Shape.Of(rows, n, 2), Device.Cpu);
        using var inverse = Fourier.Inverse(ts);
        AssertRelative(Oracle(spectrum, rows, n, inverse: true), RandomData.ToDouble(inverse.ToFloatArray()), Float32Bound, $"inverse n={n}");

        using var roundTrip = Fourier.Inverse(forward, FftScaling.DivideByN);
        AssertRelative(x, RandomData.ToDouble(roundTrip.ToFloatArray()), Float32Bound, $"inverse(forward(x)) n={n}");
    }

    [Theory]
    [MemberData(nameof(Exponents))]
    public void ComplexForwardAndRoundTripMatchMathNetInFloat64(int e)
    {
        int n = 1 << e, rows = Rows(n);
        var x = RandomData.Uniform(100 + e, 2 * n * rows);
        using var tx = Tensor.FromArray(x, Shape.Of(rows, n, 2), Device.Cpu);
        using var forward = Fourier.Forward(tx);
        AssertRelative(Oracle(x, rows, n, inverse: false), forward.ToDoubleArray(), Float64Bound, $"float64 forward n={n}");
        using var roundTrip = Fourier.Inverse(forward, FftScaling.DivideByN);
        AssertRelative(x, roundTrip.ToDoubleArray(), Float64Bound, $"float64 inverse(forward(x)) n={n}");
    }

    [Theory]
    [MemberData(nameof(Exponents))]
    public void RealForwardAndInverseMatchMathNet(int e)
    {
        int n = 1 << e, rows = Rows(n), bins = n / 2 + 1;
        var x = RandomData.AsFloat32(RandomData.Uniform(200 + e, n * rows));
        var full = Oracle(AsComplex(x), rows, n, inverse: false);
        var expected = new double[rows * bins * 2];
        for (int r = 0; r < rows; r++) Array.Copy(full, 2 * r * n, expected, 2 * r * bins, 2 * bins);

        using var tx = Tensor.FromArray(RandomData.ToFloat(x), Shape.Of(rows, n), Device.Cpu);
        using var spectrum = Fourier.Rfft(tx);
        Assert.Equal(Shape.Of(rows, bins, 2), spectrum.Shape);
        AssertRelative(expected, RandomData.ToDouble(spectrum.ToFloatArray()), Float32Bound, $"rfft n={n}");

        using var back = Fourier.Irfft(spectrum, FftScaling.DivideByN);
        Assert.Equal(Shape.Of(rows, n), back.Shape);
        AssertRelative(x, RandomData.ToDouble(back.ToFloatArray()), Float32Bound, $"irfft(rfft(x)) n={n}");

        // irfft without scaling is the inverse transform of the Hermitian extension: n·x.
        var unscaled = RandomData.AsFloat32(expected);
        using var ts = Tensor.FromArray(RandomData.ToFloat(unscaled), Shape.Of(rows, bins, 2), Device.Cpu);
        using var y = Fourier.Irfft(ts);
        AssertRelative(x.Select(v => v * n).ToArray(), RandomData.ToDouble(y.ToFloatArray()), Float32Bound, $"irfft unscaled n={n}");

        using var t64 = Tensor.FromArray(x, Shape.Of(rows, n), Device.Cpu);
        using var s64 = Fourier.Rfft(t64);
        AssertRelative(expected, s64.ToDoubleArray(), Float64Bound, $"float64 rfft n={n}");
        using var b64 = Fourier.Irfft(s64, FftScaling.DivideByN);
        AssertRelative(x, b64.ToDoubleArray(), Float64Bound, $"float64 irfft(rfft(x)) n={n}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(14)]
    [InlineData(16)]
    [InlineData(17)]
    public void EachCpuScheduleMatchesMathNet(int e)
    {
        // The same row through the three CPU schedules: one thread (cache-blocked from 2^14 on), every pass
        // split over threads, and a batch of rows in groups, in place (7, 8 and 9 passes: odd and even counts).
        // The machine's core count picks among them inside Fourier.Forward, so each is called directly here.
        int n = 1 << e;
        var x = RandomData.AsFloat32(RandomData.Uniform(600 + e, 2 * n));
        var expected = Oracle(x, 1, n, inverse: false);
        var input = RandomData.ToFloat(x);
        var plan = FftPlan.For(Device.Cpu, n);
        var single = new float[2 * n];
        FftCpu.Row(plan, input, single, new float[2 * n], false);
        AssertRelative(expected, RandomData.ToDouble(single), Float32Bound, $"one thread n={n}");
        var parallel = new float[2 * n];
        FftCpu.RowParallel(plan, input, 0, parallel, 0, new float[2 * n], false, 1f);
        AssertRelative(expected, RandomData.ToDouble(parallel), Float32Bound, $"split passes n={n}");
        const int rows = 5;
        var many = new float[2 * n * rows];
        for (int r = 0; r < rows; r++) input.CopyTo(many, 2 * n * r);
        FftCpu.Batch(plan, many, many, rows, false, 1f);
        for (int r = 0; r < rows; r++)
            AssertRelative(expected, RandomData.ToDouble(many.AsSpan(2 * n * r, 2 * n).ToArray()), Float32Bound, $"batch in place, row {r}, n={n}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(11)]
    [InlineData(16)]
    public void ParsevalHolds(int e)
    {
        // Σ|x|² = (1/n)·Σ|X|²: both sides sum n positive terms, so float32 rounding stays ~1e-7 relative.
        int n = 1 << e;
        var x = RandomData.Uniform(300 + e, 2 * n);
        using var tx = Tensor.FromArray(RandomData.ToFloat(x), Shape.Of(n, 2), Device.Cpu);
        using var spectrum = Fourier.Forward(tx);
        double time = x.Select(v => (double)(float)v).Sum(v => v * v);
        double freq = spectrum.ToFloatArray().Sum(v => (double)v * v) / n;
        Assert.True(Math.Abs(time - freq) <= 1e-6 * time, $"Parseval n={n}: Σ|x|² = {time:R}, Σ|X|²/n = {freq:R}");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(15)]
    public void ForwardIsLinear(int e)
    {
        // F(a·x + b·y) = a·F(x) + b·F(y), compared in float64 on float32 results (bound as above).
        int n = 1 << e;
        var x = RandomData.AsFloat32(RandomData.Uniform(400 + e, 2 * n));
        var y = RandomData.AsFloat32(RandomData.Uniform(500 + e, 2 * n));
        const double a = 0.75, b = -1.5; // exact in float32, so a·x + b·y rounds once
        var combo = x.Select((v, i) => (double)(float)(a * v + b * y[i])).ToArray();
        using var tx = Tensor.FromArray(RandomData.ToFloat(x), Shape.Of(n, 2), Device.Cpu);
        using var ty = Tensor.FromArray(RandomData.ToFloat(y), Shape.Of(n, 2), Device.Cpu);
        using var tc = Tensor.FromArray(RandomData.ToFloat(combo), Shape.Of(n, 2), Device.Cpu);
        using var fx = Fourier.Forward(tx);
        using var fy = Fourier.Forward(ty);
        using var fc = Fourier.Forward(tc);
        var ax = fx.ToFloatArray();
        var by = fy.ToFloatArray();
        var expected = ax.Select((v, i) => a * v + b * by[i]).ToArray();
        AssertRelative(expected, RandomData.ToDouble(fc.ToFloatArray()), Float32Bound, $"linearity n={n}");
    }

    internal static double[] Oracle(double[] x, int rows, int n, bool inverse)
    {
        var y = new double[x.Length];
        var row = new Complex[n];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < n; j++) row[j] = new Complex(x[2 * (r * n + j)], x[2 * (r * n + j) + 1]);
            // Matlab convention: forward e^{−2πi·jk/n} with no scaling; inverse e^{+2πi·jk/n} with 1/n.
            if (inverse) MathNetFourier.Inverse(row, FourierOptions.Matlab);
            else MathNetFourier.Forward(row, FourierOptions.Matlab);
            for (int k = 0; k < n; k++)
            {
                double s = inverse ? n : 1; // undo MathNet's 1/n: our inverse does not scale
                y[2 * (r * n + k)] = row[k].Real * s;
                y[2 * (r * n + k) + 1] = row[k].Imaginary * s;
            }
        }
        return y;
    }

    private static double[] AsComplex(double[] real)
    {
        var z = new double[2 * real.Length];
        for (int i = 0; i < real.Length; i++) z[2 * i] = real[i];
        return z;
    }

    internal static void AssertRelative(double[] expected, double[] actual, double bound, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double err = Tolerance.RelativeL2(expected, actual);
        Assert.True(err <= bound, $"{what}: relative L2 error {err:E3} > {bound:E1}");
        Assert.True(expected.Any(v => Math.Abs(v) > 1e-3), $"{what}: the reference is all (near) zero");
    }
}
