using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class BinaryGradientTests
{
    public static TheoryData<int[], int[]> Shapes => new()
    {
        { [3, 5], [3, 5] },
        { [2, 3, 5], [5] },
        { [2, 1, 5], [3, 1] },
        { [1], [4, 3] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryOpPassesTheGradientCheckWithBroadcasting(int[] a, int[] b)
    {
        Grad.Check(v => Fn.Add(v[0], v[1]), Grad.Data(1, a), Grad.Data(2, b));
        Grad.Check(v => Fn.Sub(v[0], v[1]), Grad.Data(3, a), Grad.Data(4, b));
        Grad.Check(v => Fn.Mul(v[0], v[1]), Grad.Data(5, a), Grad.Data(6, b));
        Grad.Check(v => Fn.Div(v[0], v[1]), Grad.Data(7, a), Grad.Positive(8, b));
    }
}

public abstract class BinaryDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BroadcastBackwardMatchesTheCpu()
    {
        double[] a = RandomData.Uniform(1, 2 * 3 * 17), b = RandomData.Uniform(2, 17, 0.5, 2);
        AssertBackwardMatchesCpu("Add", v => Fn.Add(v[0], v[1]), [a, b], [[2, 3, 17], [17]]);
        AssertBackwardMatchesCpu("Sub", v => Fn.Sub(v[0], v[1]), [a, b], [[2, 3, 17], [17]]);
        AssertBackwardMatchesCpu("Mul", v => Fn.Mul(v[0], v[1]), [a, b], [[2, 3, 17], [17]]);
        AssertBackwardMatchesCpu("Div", v => Fn.Div(v[0], v[1]), [a, b], [[2, 3, 17], [17]]);
    }
}

public sealed class BinaryDeviceTestsIlgpuCpu(DeviceFixture f) : BinaryDeviceTests(f, "ilgpu-cpu");

public sealed class BinaryDeviceTestsCuda(DeviceFixture f) : BinaryDeviceTests(f, "cuda");
