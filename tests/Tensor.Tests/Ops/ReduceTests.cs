using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class ReduceTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[], int> Cases => new()
    {
        { [1], 0 }, { [17], 0 }, { [1000], 0 }, { [3, 17], 1 }, { [3, 17], 0 }, { [2, 3, 5], 1 }, { [2, 3, 5], -1 }, { [7, 1, 9], 1 }, { [4, 513], 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SumMeanMaxAndArgMaxMatchTheReference(int[] shape, int axis)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(3, Reference.Size(shape), -2, 2));
        using var t = Upload(x, shape);
        int a = axis < 0 ? axis + shape.Length : axis;
        double atol = Tolerance.SumAtol(shape[a], 2);
        using (var y = global::HyenaIL.Ops.Sum(t, axis)) Tolerance.AssertClose(Reference.ReduceAxis(x, shape, a, v => v.Sum()), y.ToFloatArray(), "Sum", atol: atol);
        using (var y = global::HyenaIL.Ops.Mean(t, axis, keepDims: true))
        {
            Assert.Equal(shape.Length, y.Rank);
            Tolerance.AssertClose(Reference.ReduceAxis(x, shape, a, v => v.Average()), y.ToFloatArray(), "Mean", atol: atol);
        }
        using (var y = global::HyenaIL.Ops.Max(t, axis)) Tolerance.AssertClose(Reference.ReduceAxis(x, shape, a, v => v.Max()), y.ToFloatArray(), "Max");
        using (var y = global::HyenaIL.Ops.ArgMax(t, axis))
            Assert.Equal(Reference.ReduceAxis(x, shape, a, v => Array.IndexOf(v, v.Max())).Select(v => (int)v), y.ToIntArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(65537)]
    public void WholeTensorReductionsMatchTheReference(int n)
    {
        if (!IsCpu && n > 4096) Assert.Skip("large sizes run on the cpu device only (the simulator is slow)");
        var x = RandomData.AsFloat32(RandomData.Uniform(5, n, 0.1, 1));
        using var t = Upload(x, n);
        using var s = global::HyenaIL.Ops.Sum(t);
        Assert.Equal(Shape.Scalar, s.Shape);
        Tolerance.AssertClose([x.Sum()], s.ToFloatArray(), "Sum all", atol: Tolerance.SumAtol(n));
        using var m = global::HyenaIL.Ops.Mean(t);
        Tolerance.AssertClose([x.Average()], m.ToFloatArray(), "Mean all", atol: 1e-6);
        using var q = global::HyenaIL.Ops.SquaredNorm(t);
        Tolerance.AssertClose([x.Sum(v => v * v)], q.ToFloatArray(), "SquaredNorm", atol: Tolerance.SumAtol(n));
        using var mx = global::HyenaIL.Ops.Max(t);
        Tolerance.AssertClose([x.Max()], mx.ToFloatArray(), "Max all");
    }

    public static TheoryData<int[], int[]> SumToCases => new()
    {
        { [2, 3, 5], [5] }, { [2, 3, 5], [3, 1] }, { [2, 3, 5], [2, 1, 5] }, { [4, 7], [1, 1] }, { [3, 1, 4], [1] }, { [6, 5], [6, 5] },
    };

    [Theory]
    [MemberData(nameof(SumToCases))]
    public void SumToReversesBroadcasting(int[] shape, int[] target)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(7, Reference.Size(shape)));
        using var t = Upload(x, shape);
        using var y = global::HyenaIL.Ops.SumTo(t, new Shape(target));
        Assert.Equal(new Shape(target), y.Shape);
        Tolerance.AssertClose(Reference.SumTo(x, shape, target), y.ToFloatArray(), $"SumTo {string.Join("x", target)}", atol: Tolerance.SumAtol(x.Length));
    }

    [Fact]
    public void BadAxesAndTargetsAreNamed()
    {
        using var t = Upload(new double[6], 2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.Sum(t, 2));
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.SumTo(t, Shape.Of(2)));
        Assert.Contains("SumTo", e.Message);
        using var ids = Upload([1, 2], 2);
        Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.Sum(ids));
    }
}

public sealed class ReduceTestsCpu(DeviceFixture f) : ReduceTests(f, "cpu");

public sealed class ReduceTestsIlgpuCpu(DeviceFixture f) : ReduceTests(f, "ilgpu-cpu");

public sealed class ReduceTestsCuda(DeviceFixture f) : ReduceTests(f, "cuda");
