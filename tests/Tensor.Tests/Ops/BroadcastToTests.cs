using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class BroadcastToTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[], int[]> Shapes => new()
    {
        { [1], [17] },
        { [5], [7, 5] },
        { [7, 1], [7, 5] },
        { [3, 1, 2], [4, 3, 5, 2] },
        { [1, 1], [3, 1000] },
        { [2, 3], [2, 3] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesTheReference(int[] from, int[] to)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(11, Reference.Size(from)));
        using var tx = Upload(x, from);
        using var y = global::HyenaIL.Ops.BroadcastTo(tx, new Shape(to));
        var zeros = new double[Reference.Size(to)];
        var (expected, _) = Reference.Broadcast(zeros, to, x, from, (_, b) => b);
        Tolerance.AssertClose(expected, y.ToFloatArray(), $"BroadcastTo {string.Join("x", from)} -> {string.Join("x", to)}");
    }

    [Fact]
    public void AShapeThatDoesNotBroadcastIsNamed()
    {
        using var x = Upload(new double[6], 2, 3);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.BroadcastTo(x, Shape.Of(3)));
        Assert.Contains("BroadcastTo", e.Message);
        Assert.Contains("(2, 3)", e.Message);
    }
}

public sealed class BroadcastToTestsCpu(DeviceFixture f) : BroadcastToTests(f, "cpu");

public sealed class BroadcastToTestsIlgpuCpu(DeviceFixture f) : BroadcastToTests(f, "ilgpu-cpu");

public sealed class BroadcastToTestsCuda(DeviceFixture f) : BroadcastToTests(f, "cuda");
