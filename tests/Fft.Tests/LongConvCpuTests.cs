using HyenaIL.Fft;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>The long convolution on the cpu device only: float64, one long row, the longest length, the method
/// choice, the length limit.</summary>
public sealed class LongConvCpuTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1000)]
    public void Float64FftMatchesTheSumsTightly(int l)
    {
        // float64 rounding: ~eps·log2(P) of the signal ≈ 1e-15; 1e-12 leaves a wide margin.
        const int b = 2, c = 3;
        var u = RandomData.Uniform(1, b * c * l);
        var k = RandomData.Uniform(2, c * l);
        var d = RandomData.Uniform(3, c);
        var dy = RandomData.Uniform(4, b * c * l);
        using var tu = Tensor.FromArray(u, Shape.Of(b, c, l), Device.Cpu);
        using var tk = Tensor.FromArray(k, Shape.Of(c, l), Device.Cpu);
        using var td = Tensor.FromArray(d, Shape.Of(c), Device.Cpu);
        using var tdy = Tensor.FromArray(dy, Shape.Of(b, c, l), Device.Cpu);
        using var y = LongConv.Forward(tu, tk, td, LongConvMethod.Fft);
        LongConvTests.AssertWithin(Reference.LongConv(u, k, d, b, c, l), y.ToDoubleArray(), 1e-12, $"float64 y L={l}");
        var (du, dk, dd) = LongConv.Backward(tu, tk, td, tdy, LongConvMethod.Fft);
        var (eu, ek, ed) = Reference.LongConvBackward(u, k, d, dy, b, c, l);
        LongConvTests.AssertWithin(eu, du.ToDoubleArray(), 1e-12, $"float64 du L={l}");
        LongConvTests.AssertWithin(ek, dk.ToDoubleArray(), 1e-12, $"float64 dk L={l}");
        LongConvTests.AssertWithin(ed, dd.ToDoubleArray(), 1e-12, $"float64 dD L={l}");
        du.Dispose();
        dk.Dispose();
        dd.Dispose();
    }

    [Fact]
    public void OneLongRowSplitOverThreadsMatchesTheSums()
    {
        // B = C = 1 and P = 2^15: the transforms themselves are split over threads.
        const int l = 10000;
        var u = RandomData.AsFloat32(RandomData.Uniform(8, l));
        var k = RandomData.AsFloat32(RandomData.Uniform(9, l));
        var d = RandomData.AsFloat32(RandomData.Uniform(10, 1));
        var dy = RandomData.AsFloat32(RandomData.Uniform(11, l));
        using var tu = Tensor.FromArray(RandomData.ToFloat(u), Shape.Of(1, 1, l), Device.Cpu);
        using var tk = Tensor.FromArray(RandomData.ToFloat(k), Shape.Of(1, l), Device.Cpu);
        using var td = Tensor.FromArray(RandomData.ToFloat(d), Shape.Of(1), Device.Cpu);
        using var tdy = Tensor.FromArray(RandomData.ToFloat(dy), Shape.Of(1, 1, l), Device.Cpu);
        using var y = LongConv.Forward(tu, tk, td);
        LongConvTests.AssertWithin(Reference.LongConv(u, k, d, 1, 1, l), y.ToDoubleArray(), 1e-5, "y, one long row");
        var (du, dk, dd) = LongConv.Backward(tu, tk, td, tdy);
        var (eu, ek, ed) = Reference.LongConvBackward(u, k, d, dy, 1, 1, l);
        LongConvTests.AssertWithin(eu, du.ToDoubleArray(), 1e-5, "du, one long row");
        LongConvTests.AssertWithin(ek, dk.ToDoubleArray(), 1e-5, "dk, one long row");
        LongConvTests.AssertWithin(ed, dd.ToDoubleArray(), 1e-5, "dD, one long row");
        du.Dispose();
        dk.Dispose();
        dd.Dispose();
    }

    [Fact]
    public void TheLongestLengthMatchesFloat64SumsAtSampledPositions()
    {
        // L = 2^20, P = 2^21: the full O(L²) reference would take hours, so a few outputs are summed directly in
        // float64: the first two, one inside, the largest |y| (its reference is a lower bound on max|y|, the scale of
        // the bound) and the last, which sums all 2^20 products. Bound as in LongConvTests: 1e-5·max|y|.
        const int l = LongConv.MaxLength;
        var u = RandomData.AsFloat32(RandomData.Uniform(12, l));
        var k = RandomData.AsFloat32(RandomData.Uniform(13, l));
        var d = RandomData.AsFloat32(RandomData.Uniform(14, 1));
        using var tu = Tensor.FromArray(RandomData.ToFloat(u), Shape.Of(1, 1, l), Device.Cpu);
        using var tk = Tensor.FromArray(RandomData.ToFloat(k), Shape.Of(1, l), Device.Cpu);
        using var td = Tensor.FromArray(RandomData.ToFloat(d), Shape.Of(1), Device.Cpu);
        Assert.Equal(LongConvMethod.Fft, LongConv.Method(l));
        using var ty = LongConv.Forward(tu, tk, td);
        var y = ty.ToFloatArray();
        int peak = 0;
        for (int t = 1; t < l; t++)
            if (Math.Abs(y[t]) > Math.Abs(y[peak])) peak = t;
        double Sum(int t)
        {
            double s = d[0] * u[t];
            for (int j = 0; j <= t; j++) s += k[j] * u[t - j];
            return s;
        }
        double scale = Math.Abs(Sum(peak));
        Assert.True(scale > 100, $"max|y| {scale:E3} should grow like sqrt(L)");
        foreach (int t in new[] { 0, 1, 12345, peak, l - 1 })
        {
            double expected = Sum(t);
            Assert.True(Math.Abs(y[t] - expected) <= 1e-5 * scale,
                $"y[{t}] is {y[t]:R}, expected {expected:R}; error {Math.Abs(y[t] - expected):E3} > 1e-5·{scale:E3}");
        }
    }

    [Fact]
    public void TheMethodIsDirectBelowTheCrossoverAndFftFromIt()
    {
        Assert.Equal(LongConvMethod.Direct, LongConv.Method(1));
        Assert.Equal(LongConvMethod.Direct, LongConv.Method(LongConv.DirectCrossover - 1));
        Assert.Equal(LongConvMethod.Fft, LongConv.Method(LongConv.DirectCrossover));
        Assert.Equal(LongConvMethod.Fft, LongConv.Method(LongConv.MaxLength));
        Assert.Equal(2, LongConv.FftSize(1));
        Assert.Equal(2048, LongConv.FftSize(1000));
        Assert.Equal(2048, LongConv.FftSize(1024));
        Assert.Equal(4096, LongConv.FftSize(1025));
        Assert.Equal(1 << 21, LongConv.FftSize(LongConv.MaxLength));
    }

    [Fact]
    public void LengthsBeyond2Pow20AreRefused()
    {
        const int l = LongConv.MaxLength + 1;
        using var u = Tensor.Empty(Shape.Of(1, 1, l), Device.Cpu);
        using var k = Tensor.Empty(Shape.Of(1, l), Device.Cpu);
        using var d = Tensor.Empty(Shape.Of(1), Device.Cpu);
        foreach (var method in new[] { LongConvMethod.Auto, LongConvMethod.Fft, LongConvMethod.Direct })
        {
            var e = Assert.Throws<ShapeException>(() => LongConv.Forward(u, k, d, method));
            Assert.Contains("LongConv.Forward", e.Message);
            Assert.Contains("2^20", e.Message);
            Assert.Contains(l.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        }
    }
}
