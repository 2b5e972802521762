using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class ShapeOpGradientTests
{
    [Fact]
    public void TransposeReshapeSliceSplitAndConcatPassTheGradientCheck()
    {
        Grad.Check(v => Fn.Transpose(v[0], 0, 2), Grad.Data(1, 2, 3, 4));
        Grad.Check(v => Fn.Reshape(v[0], 4, -1), Grad.Data(2, 2, 3, 4));
        Grad.Check(v => Fn.Slice(v[0], 1, 1, 2), Grad.Data(3, 2, 4, 3));
        Grad.Check(v => { var p = Fn.Split(v[0], 1, 1, 3, 2); return Fn.Mul(p[2], Fn.Slice(p[1], 1, 0, 2)); }, Grad.Data(4, 2, 6, 3));
        Grad.Check(v => Fn.Concat([v[0], v[1], v[0]], 1), Grad.Data(5, 2, 2, 3), Grad.Data(6, 2, 1, 3));
    }

    [Fact]
    public void AttachedParametersReceiveTheirGradient()
    {
        using var w = Grad.Data(7, 6);
        var leaf = new Var(w, requiresGrad: true);
        var report = GradCheck.Run(v => Fn.Mul(Fn.Reshape(v[0].Graph!.Attach(leaf), 2, 3), v[0]), [Grad.Data(8, 2, 3)], [leaf]);
        Assert.True(report.Passed, report.Detail);
    }
}

public abstract class ShapeOpDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BackwardMatchesTheCpu()
    {
        var x = RandomData.Uniform(1, 2 * 6 * 5);
        AssertBackwardMatchesCpu("Transpose", v => Fn.Transpose(v[0], 1, 2), [x], [[2, 6, 5]]);
        AssertBackwardMatchesCpu("Reshape", v => Fn.Reshape(v[0], 5, -1), [x], [[2, 6, 5]]);
        AssertBackwardMatchesCpu("Slice", v => Fn.Slice(v[0], 1, 2, 3), [x], [[2, 6, 5]]);
        AssertBackwardMatchesCpu("Split", v => Fn.Split(v[0], 1, 4, 2)[0], [x], [[2, 6, 5]]);
        AssertBackwardMatchesCpu("Concat", v => Fn.Concat([v[0], v[0]], 2), [x], [[2, 6, 5]]);
    }
}

public sealed class ShapeOpDeviceTestsIlgpuCpu(DeviceFixture f) : ShapeOpDeviceTests(f, "ilgpu-cpu");

public sealed class ShapeOpDeviceTestsCuda(DeviceFixture f) : ShapeOpDeviceTests(f, "cuda");

public sealed class RecomputeGradientTests
{
    [Fact]
    public void RecomputePassesTheGradientCheckForItsInputAndTheParametersInside()
    {
        using var w = Grad.Data(9, 3, 3);
        var leaf = new Var(w, requiresGrad: true);
        var report = GradCheck.Run(v => Fn.Recompute(x => Fn.Tanh(Fn.Matmul(x, leaf)), v[0]), [Grad.Data(10, 2, 3)], [leaf]);
        Assert.True(report.Passed, report.Detail);
    }
}
