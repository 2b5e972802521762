using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class UnaryGradientTests
{
    public static TheoryData<UnaryOp> Ops => new(Enum.GetValues<UnaryOp>());

    [Theory]
    [MemberData(nameof(Ops))]
    public void PassesTheGradientCheck(UnaryOp op)
    {
        var x = op is UnaryOp.Log or UnaryOp.Sqrt ? Grad.Positive(1, 3, 5) : Grad.Data(1, 3, 5);
        Grad.Check(v => Fn.Unary(op, v[0]), x);
    }

    [Fact]
    public void AffinePassesTheGradientCheck() => Grad.Check(v => Fn.Affine(v[0], -1.5f, 0.25f), Grad.Data(2, 7));
}

public abstract class UnaryDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void EveryUnaryBackwardMatchesTheCpu()
    {
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            var x = op is UnaryOp.Log or UnaryOp.Sqrt ? RandomData.Uniform(3, 51, 0.5, 2) : RandomData.Uniform(3, 51);
            AssertBackwardMatchesCpu(op.ToString(), v => Fn.Unary(op, v[0]), [x], [[3, 17]]);
        }
    }

    [Fact]
    public void AffineBackwardMatchesTheCpu() =>
        AssertBackwardMatchesCpu("Affine", v => Fn.Affine(v[0], -1.5f, 0.25f), [RandomData.Uniform(4, 51)], [[3, 17]]);
}

public sealed class UnaryDeviceTestsIlgpuCpu(DeviceFixture f) : UnaryDeviceTests(f, "ilgpu-cpu");

public sealed class UnaryDeviceTestsCuda(DeviceFixture f) : UnaryDeviceTests(f, "cuda");
