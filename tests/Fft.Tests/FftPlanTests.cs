using HyenaIL.Fft;
using Xunit;

namespace HyenaIL.Tests;

public sealed class FftPlanTests
{
    [Theory]
    [InlineData(1, new int[0])]
    [InlineData(2, new[] { 2 })]
    [InlineData(4, new[] { 4 })]
    [InlineData(8, new[] { 4, 2 })]
    [InlineData(1024, new[] { 4, 4, 4, 4, 4 })]
    [InlineData(1 << 21, new[] { 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 2 })]
    public void PassesAreRadixFourWithOneRadixTwoLastWhenLog2IsOdd(int n, int[] radices)
    {
        var plan = FftPlan.For(Device.Cpu, n);
        Assert.Equal(radices, plan.Passes.Select(p => p.Radix).ToArray());
        int length = n;
        foreach (var pass in plan.Passes)
        {
            Assert.Equal(length, pass.SubLength);
            Assert.Equal(n / length, pass.Stride);
            length /= pass.Radix;
        }
    }

    [Fact]
    public void PlansAreCachedPerDeviceAndSize()
    {
        Assert.Same(FftPlan.For(Device.Cpu, 256), FftPlan.For(Device.Cpu, 256));
        Assert.NotSame(FftPlan.For(Device.Cpu, 256), FftPlan.For(Device.Cpu, 512));
    }

    [Fact]
    public void TwiddlesAreTheDoubleValuesRoundedOnce()
    {
        const int n = 4096;
        var plan = FftPlan.For(Device.Cpu, n);
        var tw = plan.Twiddles;
        foreach (var pass in plan.Passes)
            for (int r = 1; r <= 3; r++)
                for (int p = 0; p < pass.Span; p++)
                {
                    double angle = -2 * Math.PI * r * p * pass.Stride / n;
                    int at = 2 * (pass.TwiddleOffset + (r - 1) * pass.Span + p);
                    Assert.Equal((float)Math.Cos(angle), tw[at]);
                    Assert.Equal((float)Math.Sin(angle), tw[at + 1]);
                }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(FftPlan.MaxSize * 2)]
    public void SizesThatAreNotPowersOfTwoUpTo2Pow22AreRefused(int n)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => FftPlan.For(Device.Cpu, n));
        Assert.Contains("power of two", e.Message);
        Assert.Contains(n.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
    }

    [Fact]
    public void TheLargestPlanTransforms()
    {
        // 2^22 complex points, one impulse: its transform is flat, e^{−2πi·k/n} for an impulse at 1.
        const int n = FftPlan.MaxSize;
        var x = new float[2 * n];
        x[2] = 1f;
        using var t = Tensor.FromArray(x, Shape.Of(n, 2), Device.Cpu);
        using var y = Fourier.Forward(t);
        var v = y.AsSpan<float>();
        foreach (int k in new[] { 0, 1, 12345, n / 3, n - 1 })
        {
            double angle = -2 * Math.PI * k / n;
            Assert.True(Math.Abs(v[2 * k] - Math.Cos(angle)) < 1e-6 && Math.Abs(v[2 * k + 1] - Math.Sin(angle)) < 1e-6,
                $"bin {k}: ({v[2 * k]}, {v[2 * k + 1]}), expected ({Math.Cos(angle)}, {Math.Sin(angle)})");
        }
    }
}
