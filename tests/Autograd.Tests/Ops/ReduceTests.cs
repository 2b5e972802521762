using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class ReduceGradientTests
{
    [Fact]
    public void SumsAndMeansPassTheGradientCheck()
    {
        Grad.Check(v => Fn.Sum(v[0]), Grad.Data(1, 3, 5));
        Grad.Check(v => Fn.Mean(v[0]), Grad.Data(2, 3, 5));
        Grad.Check(v => Fn.Sum(v[0], 1), Grad.Data(3, 2, 3, 5));
        Grad.Check(v => Fn.Mean(v[0], -1, keepDims: true), Grad.Data(4, 2, 3, 5));
        Grad.Check(v => Fn.Sum(v[0], 0), Grad.Data(5, 7, 3));
    }
}

public abstract class ReduceDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void ReductionBackwardMatchesTheCpu()
    {
        var x = RandomData.Uniform(1, 2 * 3 * 17);
        AssertBackwardMatchesCpu("Sum", v => Fn.Sum(v[0]), [x], [[2, 3, 17]]);
        AssertBackwardMatchesCpu("Mean", v => Fn.Mean(v[0]), [x], [[2, 3, 17]]);
        AssertBackwardMatchesCpu("Mean axis", v => Fn.Mean(v[0], 1), [x], [[2, 3, 17]]);
        AssertBackwardMatchesCpu("Sum axis", v => Fn.Sum(v[0], 2, keepDims: true), [x], [[2, 3, 17]]);
    }
}

public sealed class ReduceDeviceTestsIlgpuCpu(DeviceFixture f) : ReduceDeviceTests(f, "ilgpu-cpu");

public sealed class ReduceDeviceTestsCuda(DeviceFixture f) : ReduceDeviceTests(f, "cuda");
