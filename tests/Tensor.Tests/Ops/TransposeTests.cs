using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

// A transpose only moves values, so every comparison is exact.
public abstract class TransposeTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[], int, int> Cases => new()
    {
        { [1, 1], 0, 1 },
        { [3, 5], 0, 1 },
        { [17, 33], -1, -2 },       // tiles with ragged edges, negative axes
        { [2, 37, 45], 1, 2 },      // (B, L, D) -> (B, D, L)
        { [2, 45, 37], -2, -1 },    // and back
        { [2, 3, 4, 5], 1, 2 },     // (B, L, H, Dh) -> (B, H, L, Dh): blocks of Dh
        { [3, 4, 5], 0, 2 },        // the last axis moves across a middle one
        { [2, 3, 4, 5, 6], 0, 3 },  // blocks with a middle dimension
        { [4, 1, 6], 0, 1 },        // a size-1 axis next to its partner: same layout
        { [4, 3, 1], 0, 2 },        // a size-1 axis across a middle one: not the same layout
        { [5, 7], 1, 1 },           // an axis with itself
        { [7], 0, -1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32MatchesTheReference(int[] shape, int axis0, int axis1)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(shape.Sum(), Reference.Size(shape)));
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.Transpose(tx, axis0, axis1);
        var (expected, outShape) = Reference.Transpose(x, shape, Norm(axis0, shape), Norm(axis1, shape));
        Assert.Equal(new Shape(outShape), y.Shape);
        Assert.Equal(RandomData.ToFloat(expected), y.ToFloatArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Int32MatchesTheReference(int[] shape, int axis0, int axis1)
    {
        var x = RandomData.Ints(shape.Length, Reference.Size(shape), int.MaxValue);
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.Transpose(tx, axis0, axis1);
        var (expected, outShape) = Reference.Transpose(x, shape, Norm(axis0, shape), Norm(axis1, shape));
        Assert.Equal(new Shape(outShape), y.Shape);
        Assert.Equal(DType.Int32, y.DType);
        Assert.Equal(expected, y.ToIntArray());
    }

    [Fact]
    public void ALargeBatchOfMatricesMatchesTheReference()
    {
        int[] shape = IsCpu ? [3, 250, 301] : [1, 40, 70];
        var x = RandomData.AsFloat32(RandomData.Uniform(9, Reference.Size(shape)));
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.Transpose(tx, 1, 2);
        Assert.Equal(RandomData.ToFloat(Reference.Transpose(x, shape, 1, 2).Y), y.ToFloatArray());
        using var heads = global::HyenaIL.Ops.Transpose(tx, 0, 1);
        Assert.Equal(RandomData.ToFloat(Reference.Transpose(x, shape, 0, 1).Y), heads.ToFloatArray());
    }

    [Fact]
    public void TransposingTwiceGivesTheInputBack()
    {
        // The backward of a transpose is the same transpose.
        var x = RandomData.AsFloat32(RandomData.Uniform(10, 2 * 9 * 35));
        using var tx = Upload(x, 2, 9, 35);
        foreach (var (a0, a1) in new[] { (1, 2), (0, 1), (0, 2) })
        {
            using var y = global::HyenaIL.Ops.Transpose(tx, a0, a1);
            using var back = global::HyenaIL.Ops.Transpose(y, a1, a0);
            Assert.Equal(tx.Shape, back.Shape);
            Assert.Equal(RandomData.ToFloat(x), back.ToFloatArray());
        }
    }

    [Fact]
    public void AnAxisOutOfRangeNamesTheOpTheArgumentAndTheShape()
    {
        using var x = Upload(new double[6], 2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.Transpose(x, 0, 2));
        Assert.Contains("Transpose", e.Message);
        Assert.Contains("axis1", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.Transpose(x, -3, 1));
        Assert.Contains("axis0", e.Message);
    }

    private static int Norm(int axis, int[] shape) => axis < 0 ? axis + shape.Length : axis;
}

public sealed class TransposeTestsCpu(DeviceFixture f) : TransposeTests(f, "cpu");

public sealed class TransposeTestsIlgpuCpu(DeviceFixture f) : TransposeTests(f, "ilgpu-cpu");

public sealed class TransposeTestsCuda(DeviceFixture f) : TransposeTests(f, "cuda");

/// <summary>float64 exists only on the cpu device.</summary>
public sealed class TransposeFloat64Tests
{
    [Theory]
    [InlineData(new[] { 2, 37, 45 }, 1, 2)]
    [InlineData(new[] { 2, 3, 4, 5 }, 1, 2)]
    public void Float64MatchesTheReference(int[] shape, int axis0, int axis1)
    {
        var x = RandomData.Uniform(7, Reference.Size(shape));
        using var tx = Tensor.FromArray(x, new Shape(shape), Device.Cpu);
        using var y = global::HyenaIL.Ops.Transpose(tx, axis0, axis1);
        Assert.Equal(Reference.Transpose(x, shape, axis0, axis1).Y, y.ToDoubleArray());
    }
}
