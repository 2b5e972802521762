using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class BinaryTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[], int[]> Shapes => new()
    {
        { [1], [1] },
        { [3], [3] },
        { [17], [1] },
        { [1000], [1000] },
        { [7, 5], [5] },
        { [7, 5], [7, 1] },
        { [1, 5], [7, 1] },
        { [2, 3, 17], [3, 1] },
        { [2, 1, 17], [1, 3, 17] },
        { [4, 3, 5, 2], [3, 1, 2] },
        { [9, 33], [9, 33] },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EachOpMatchesTheFloat64Reference(int[] shapeA, int[] shapeB)
    {
        var a = RandomData.AsFloat32(RandomData.Uniform(1, Reference.Size(shapeA)));
        var b = RandomData.AsFloat32(RandomData.Uniform(2, Reference.Size(shapeB), 0.5, 2.0));
        using var ta = Upload(a, shapeA);
        using var tb = Upload(b, shapeB);
        foreach (var (op, f) in new (BinaryOp, Func<double, double, double>)[]
                 {
                     (BinaryOp.Add, (x, y) => x + y), (BinaryOp.Sub, (x, y) => x - y),
                     (BinaryOp.Mul, (x, y) => x * y), (BinaryOp.Div, (x, y) => x / y),
                 })
        {
            var (expected, shape) = Reference.Broadcast(a, shapeA, b, shapeB, f);
            using var y = global::HyenaIL.Ops.Binary(op, ta, tb);
            Assert.Equal(new Shape(shape), y.Shape);
            Tolerance.AssertClose(expected, y.ToFloatArray(), $"{op} {string.Join("x", shapeA)} with {string.Join("x", shapeB)}");
        }
    }

    [Fact]
    public void AddInPlaceAccumulatesScaled()
    {
        var a = RandomData.AsFloat32(RandomData.Uniform(3, 1000));
        var b = RandomData.AsFloat32(RandomData.Uniform(4, 1000));
        using var ta = Upload(a, 10, 100);
        using var tb = Upload(b, 10, 100);
        global::HyenaIL.Ops.AddInPlace(ta, tb, -0.5f);
        Tolerance.AssertClose(a.Select((x, i) => x - 0.5 * b[i]).ToArray(), ta.ToFloatArray(), "AddInPlace");
    }

    [Fact]
    public void MismatchedShapesNameTheOpAndBothShapes()
    {
        using var a = Upload(new double[6], 2, 3);
        using var b = Upload(new double[4], 4);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.Mul(a, b));
        Assert.Contains("Mul", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4,)", e.Message);
    }
}

public sealed class BinaryTestsCpu(DeviceFixture f) : BinaryTests(f, "cpu");

public sealed class BinaryTestsIlgpuCpu(DeviceFixture f) : BinaryTests(f, "ilgpu-cpu");

public sealed class BinaryTestsCuda(DeviceFixture f) : BinaryTests(f, "cuda");
