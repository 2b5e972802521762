using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class DropoutGradientTests
{
    [Fact]
    public void PassesTheGradientCheckWithAFixedSeed() => Grad.Check(v => Fn.Dropout(v[0], 0.3f, 42), Grad.Data(1, 4, 9));
}

public abstract class DropoutDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BackwardMatchesTheCpu() =>
        AssertBackwardMatchesCpu("Dropout", v => Fn.Dropout(v[0], 0.25f, 7), [RandomData.Uniform(1, 333)], [[9, 37]]);
}

public sealed class DropoutDeviceTestsIlgpuCpu(DeviceFixture f) : DropoutDeviceTests(f, "ilgpu-cpu");

public sealed class DropoutDeviceTestsCuda(DeviceFixture f) : DropoutDeviceTests(f, "cuda");
