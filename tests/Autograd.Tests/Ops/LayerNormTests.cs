using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class LayerNormGradientTests
{
    [Fact]
    public void PassesTheGradientCheckForInputScaleAndShift() =>
        Grad.Check(v => Fn.LayerNorm(v[0], v[1], v[2]), Grad.Data(1, 2, 3, 7), Grad.Data(2, 7), Grad.Data(3, 7));
}

public abstract class LayerNormDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BackwardMatchesTheCpu() =>
        AssertBackwardMatchesCpu("LayerNorm", v => Fn.LayerNorm(v[0], v[1], v[2]),
            [RandomData.Uniform(1, 5 * 33), RandomData.Uniform(2, 33), RandomData.Uniform(3, 33)], [[5, 33], [33], [33]]);
}

public sealed class LayerNormDeviceTestsIlgpuCpu(DeviceFixture f) : LayerNormDeviceTests(f, "ilgpu-cpu");

public sealed class LayerNormDeviceTestsCuda(DeviceFixture f) : LayerNormDeviceTests(f, "cuda");
