using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

// Slicing only moves values, so every comparison is exact.
public abstract class SliceTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[], int, int, int> Cases => new()
    {
        { [1], 0, 0, 1 },
        { [7], 0, 2, 3 },
        { [3, 17], 1, 5, 12 },
        { [3, 17], -1, 0, 17 },
        { [4, 5, 6], 0, 1, 2 },
        { [4, 5, 6], 1, 4, 1 },
        { [2, 9, 33], -2, 3, 5 },
        { [2, 9, 33], 2, 32, 1 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32SliceAndBackwardMatchTheReference(int[] shape, int axis, int start, int length)
    {
        int ax = axis < 0 ? axis + shape.Length : axis;
        var x = RandomData.AsFloat32(RandomData.Uniform(shape.Sum(), Reference.Size(shape)));
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.Slice(tx, axis, start, length);
        var (expected, outShape) = Reference.Slice(x, shape, ax, start, length);
        Assert.Equal(new Shape(outShape), y.Shape);
        Assert.Equal(RandomData.ToFloat(expected), y.ToFloatArray());

        var dy = RandomData.AsFloat32(RandomData.Uniform(length, Reference.Size(outShape)));
        using var tdy = Upload(dy, outShape);
        DirtyThePool(tx.Shape, DType.Float32, double.NaN);
        using var dx = global::HyenaIL.Ops.SliceBackward(tdy, tx.Shape, axis, start);
        Assert.Equal(tx.Shape, dx.Shape);
        Assert.Equal(RandomData.ToFloat(Reference.SliceBackward(dy, outShape, shape, ax, start)), dx.ToFloatArray());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Int32SliceAndBackwardMatchTheReference(int[] shape, int axis, int start, int length)
    {
        int ax = axis < 0 ? axis + shape.Length : axis;
        var x = RandomData.Ints(shape.Sum(), Reference.Size(shape), int.MaxValue);
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.Slice(tx, axis, start, length);
        var (expected, outShape) = Reference.Slice(x, shape, ax, start, length);
        Assert.Equal(expected, y.ToIntArray());
        DirtyThePool(tx.Shape, DType.Int32, -1);
        using var dx = global::HyenaIL.Ops.SliceBackward(y, tx.Shape, axis, start);
        Assert.Equal(DType.Int32, dx.DType);
        Assert.Equal(Reference.SliceBackward(expected, outShape, shape, ax, start), dx.ToIntArray());
    }

    /// <summary>Returns a buffer full of <paramref name="junk"/> to the device's pool, so that the next tensor of
    /// this size starts dirty and an op that leaves elements unwritten fails.</summary>
    private void DirtyThePool(Shape shape, DType dtype, double junk)
    {
        using var t = Tensor.Full(shape, junk, Device, dtype);
    }

    [Fact]
    public void ALargeSliceMatchesTheReference()
    {
        int[] shape = IsCpu ? [5, 300, 129] : [2, 30, 17];
        var x = RandomData.AsFloat32(RandomData.Uniform(3, Reference.Size(shape)));
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.Slice(tx, 1, 7, shape[1] - 9);
        Assert.Equal(RandomData.ToFloat(Reference.Slice(x, shape, 1, 7, shape[1] - 9).Y), y.ToFloatArray());
        using var dx = global::HyenaIL.Ops.SliceBackward(y, tx.Shape, 1, 7);
        Assert.Equal(RandomData.ToFloat(Reference.SliceBackward(Reference.Slice(x, shape, 1, 7, shape[1] - 9).Y,
            y.Shape.ToArray(), shape, 1, 7)), dx.ToFloatArray());
    }

    [Theory]
    [InlineData(-1, 2)]
    [InlineData(5, 1)]
    [InlineData(0, 0)]
    [InlineData(3, 3)]
    public void AWindowOutsideTheAxisNamesTheOpAndTheShape(int start, int length)
    {
        using var x = Upload(new double[10], 2, 5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.Slice(x, 1, start, length));
        Assert.Contains("Slice", e.Message);
        Assert.Contains("(2, 5)", e.Message);
    }

    [Fact]
    public void BadAxesAndGradientShapesAreRejected()
    {
        using var x = Upload(new double[10], 2, 5);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.Slice(x, 2, 0, 1));
        Assert.Contains("Slice", e.Message);
        Assert.Contains("axis 2", e.Message);

        using var dy = Upload(new double[6], 3, 2);
        var s = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.SliceBackward(dy, Shape.Of(2, 5), 1, 0));
        Assert.Contains("SliceBackward", s.Message);
        Assert.Contains("(3, 2)", s.Message);
        Assert.Contains("(2, 5)", s.Message);
        using var wide = Upload(new double[8], 2, 4);
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.SliceBackward(wide, Shape.Of(2, 5), 1, 2));
        Assert.Contains("SliceBackward", r.Message);
    }
}

public sealed class SliceTestsCpu(DeviceFixture f) : SliceTests(f, "cpu");

public sealed class SliceTestsIlgpuCpu(DeviceFixture f) : SliceTests(f, "ilgpu-cpu");

public sealed class SliceTestsCuda(DeviceFixture f) : SliceTests(f, "cuda");

/// <summary>float64 exists only on the cpu device.</summary>
public sealed class SliceFloat64Tests
{
    [Fact]
    public void Float64SliceAndBackwardMatchTheReference()
    {
        int[] shape = [3, 8, 5];
        var x = RandomData.Uniform(2, Reference.Size(shape));
        using var tx = Tensor.FromArray(x, new Shape(shape), Device.Cpu);
        using var y = global::HyenaIL.Ops.Slice(tx, 1, 2, 4);
        var (expected, outShape) = Reference.Slice(x, shape, 1, 2, 4);
        Assert.Equal(expected, y.ToDoubleArray());
        using var dx = global::HyenaIL.Ops.SliceBackward(y, tx.Shape, 1, 2);
        Assert.Equal(Reference.SliceBackward(expected, outShape, shape, 1, 2), dx.ToDoubleArray());
    }
}
