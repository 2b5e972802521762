using HyenaIL.Autograd;
using HyenaIL.Fft;
using HyenaIL.TestSupport;
using Xunit;
using FftLongConv = HyenaIL.Fft.LongConv;

namespace HyenaIL.Tests.Nodes;

public sealed class LongConvGradientTests
{
    [Fact]
    public void PassesTheGradientCheckWithTheDirectMethod()
    {
        const int l = 7;
        Assert.Equal(LongConvMethod.Direct, FftLongConv.Method(l));
        Grad.Check(v => Fn.LongConv(v[0], v[1], v[2]), Grad.Data(1, 2, 5, l), Grad.Data(2, 5, l), Grad.Data(3, 5));
    }

    [Fact]
    public void PassesTheGradientCheckWithTheFftMethod()
    {
        // The shortest length that takes the FFT path; odd when the crossover allows, so P is not 2L.
        int l = FftLongConv.DirectCrossover | 1;
        Assert.Equal(LongConvMethod.Fft, FftLongConv.Method(l));
        Grad.Check(v => Fn.LongConv(v[0], v[1], v[2]), Grad.Data(4, 2, 3, l), Grad.Data(5, 3, l), Grad.Data(6, 3));
    }

    [Fact]
    public void TheFilterSpectrumIsFreedWithTheGraph()
    {
        int l = FftLongConv.DirectCrossover;
        using var u = Tensor.FromArray(RandomData.ToFloat(RandomData.Uniform(7, 2 * 3 * l)), Shape.Of(2, 3, l), Device.Cpu);
        using var k = Tensor.FromArray(RandomData.ToFloat(RandomData.Uniform(8, 3 * l)), Shape.Of(3, l), Device.Cpu);
        using var d = Tensor.FromArray(RandomData.ToFloat(RandomData.Uniform(9, 3)), Shape.Of(3), Device.Cpu);
        int before = Device.Cpu.LiveBuffers;
        using (var graph = new Graph())
        {
            var y = Fn.LongConv(graph.Input(u, true), graph.Input(k, true), graph.Input(d, true));
            graph.Backward(y, y.Value);
        }
        Assert.Equal(before, Device.Cpu.LiveBuffers);
    }
}

public abstract class LongConvDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Theory]
    [InlineData(19)]
    [InlineData(150)]
    public void BackwardMatchesTheCpu(int l) =>
        // dk and dD sum B·L products of unit-scale terms (y and du up to L), through the FFT at L = 150: the sum
        // bound SumAtol(B·L), 1.7e-5 at L = 150; ilgpu-cpu measured 1.9e-6 there (0 at L = 19, direct on both).
        AssertBackwardMatchesCpu($"LongConv L={l}", v => Fn.LongConv(v[0], v[1], v[2]),
            [RandomData.Uniform(1, 2 * 3 * l), RandomData.Uniform(2, 3 * l), RandomData.Uniform(3, 3)], [[2, 3, l], [3, l], [3]],
            atol: Tolerance.SumAtol(2 * l));
}

public sealed class LongConvDeviceTestsIlgpuCpu(DeviceFixture f) : LongConvDeviceTests(f, "ilgpu-cpu");

public sealed class LongConvDeviceTestsCuda(DeviceFixture f) : LongConvDeviceTests(f, "cuda");
