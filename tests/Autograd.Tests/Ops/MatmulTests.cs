using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class MatmulGradientTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void PassesTheGradientCheckForEveryTransposeCombination(bool ta, bool tb)
    {
        int[] a = ta ? [4, 3] : [3, 4], b = tb ? [5, 4] : [4, 5];
        Grad.Check(v => Fn.Matmul(v[0], v[1], ta, tb), Grad.Data(1, a), Grad.Data(2, b));
    }

    [Fact]
    public void BatchedAndSharedOperandsPassTheGradientCheck()
    {
        Grad.Check(v => Fn.Matmul(v[0], v[1]), Grad.Data(3, 2, 3, 4), Grad.Data(4, 4, 5));
        Grad.Check(v => Fn.Matmul(v[0], v[1], false, true), Grad.Data(5, 2, 2, 3, 4), Grad.Data(6, 2, 2, 5, 4));
        Grad.Check(v => Fn.Matmul(v[0], v[1], true, false), Grad.Data(7, 4, 3), Grad.Data(8, 2, 4, 5));
    }
}

public abstract class MatmulDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BackwardMatchesTheCpu()
    {
        AssertBackwardMatchesCpu("Matmul", v => Fn.Matmul(v[0], v[1]), [RandomData.Uniform(1, 2 * 5 * 7), RandomData.Uniform(2, 7 * 3)], [[2, 5, 7], [7, 3]]);
        AssertBackwardMatchesCpu("Matmul ᵀ", v => Fn.Matmul(v[0], v[1], true, true), [RandomData.Uniform(3, 7 * 5), RandomData.Uniform(4, 3 * 7)], [[7, 5], [3, 7]]);
    }
}

public sealed class MatmulDeviceTestsIlgpuCpu(DeviceFixture f) : MatmulDeviceTests(f, "ilgpu-cpu");

public sealed class MatmulDeviceTestsCuda(DeviceFixture f) : MatmulDeviceTests(f, "cuda");
