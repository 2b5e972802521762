using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class ShortConvGradientTests
{
    [Fact]
    public void PassesTheGradientCheckInBothWeightLayouts()
    {
        Grad.Check(v => Fn.ShortConv(v[0], v[1], v[2]), Grad.Data(1, 2, 3, 7), Grad.Data(2, 3, 3), Grad.Data(3, 3));
        Grad.Check(v => Fn.ShortConv(v[0], v[1], v[2]), Grad.Data(4, 2, 3, 7), Grad.Data(5, 3, 1, 3), Grad.Data(6, 3));
    }
}

public abstract class ShortConvDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BackwardMatchesTheCpu() =>
        AssertBackwardMatchesCpu("ShortConv", v => Fn.ShortConv(v[0], v[1], v[2]),
            [RandomData.Uniform(1, 2 * 5 * 19), RandomData.Uniform(2, 5 * 3), RandomData.Uniform(3, 5)], [[2, 5, 19], [5, 1, 3], [5]]);
}

public sealed class ShortConvDeviceTestsIlgpuCpu(DeviceFixture f) : ShortConvDeviceTests(f, "ilgpu-cpu");

public sealed class ShortConvDeviceTestsCuda(DeviceFixture f) : ShortConvDeviceTests(f, "cuda");
