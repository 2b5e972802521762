using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class CrossEntropyGradientTests
{
    [Fact]
    public void PassesTheGradientCheckWithIgnoredRows() =>
        Grad.Check(v => Fn.CrossEntropy(v[0], v[1]), Grad.Data(1, 5, 7),
            Tensor.FromArray(new[] { 3, -100, 0, 6, -100 }, Shape.Of(5), Device.Cpu));
}

public abstract class CrossEntropyDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BackwardMatchesTheCpu() =>
        AssertBackwardMatchesCpu("CrossEntropy", v => Fn.CrossEntropy(v[0], v[1]),
            [RandomData.Uniform(1, 9 * 17, -2, 2), new[] { 1, 16, -100, 0, 5, 5, -100, 9, 3 }], [[9, 17], [9]]);
}

public sealed class CrossEntropyDeviceTestsIlgpuCpu(DeviceFixture f) : CrossEntropyDeviceTests(f, "ilgpu-cpu");

public sealed class CrossEntropyDeviceTestsCuda(DeviceFixture f) : CrossEntropyDeviceTests(f, "cuda");
