using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

// Concat and Split only move values, so every comparison is exact.
public abstract class ConcatTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[][], int> Cases => new()
    {
        { [[1]], 0 },
        { [[3], [5], [1]], 0 },
        { [[2, 3], [2, 5]], 1 },
        { [[2, 3], [4, 3]], 0 },
        { [[2, 3, 4], [2, 1, 4], [2, 7, 4]], -2 },
        { [[1, 17], [1, 17]], -1 },
        { [[3, 2, 33], [3, 2, 1], [3, 2, 16]], 2 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32ConcatAndSplitMatchTheReference(int[][] shapes, int axis)
    {
        int ax = axis < 0 ? axis + shapes[0].Length : axis;
        var parts = shapes.Select((s, k) => (X: RandomData.AsFloat32(RandomData.Uniform(k + 1, Reference.Size(s))), Shape: s)).ToList();
        var tensors = parts.Select(p => Upload(p.X, p.Shape)).ToList();
        try
        {
            using var y = global::HyenaIL.Ops.Concat(tensors, axis);
            var (expected, outShape) = Reference.Concat(parts, ax);
            Assert.Equal(new Shape(outShape), y.Shape);
            Assert.Equal(RandomData.ToFloat(expected), y.ToFloatArray());

            var back = global::HyenaIL.Ops.Split(y, axis, shapes.Select(s => s[ax]).ToArray());
            Assert.Equal(shapes.Length, back.Length);
            for (int k = 0; k < back.Length; k++)
            {
                Assert.Equal(new Shape(shapes[k]), back[k].Shape);
                Assert.Equal(RandomData.ToFloat(parts[k].X), back[k].ToFloatArray());
                back[k].Dispose();
            }
        }
        finally
        {
            tensors.ForEach(t => t.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Int32ConcatAndSplitMatchTheReference(int[][] shapes, int axis)
    {
        int ax = axis < 0 ? axis + shapes[0].Length : axis;
        var parts = shapes.Select((s, k) => (X: RandomData.Ints(k + 5, Reference.Size(s), int.MaxValue), Shape: s)).ToList();
        var tensors = parts.Select(p => Upload(p.X, p.Shape)).ToList();
        try
        {
            using var y = global::HyenaIL.Ops.Concat(tensors, axis);
            var (expected, _) = Reference.Concat(parts, ax);
            Assert.Equal(expected, y.ToIntArray());
            var back = global::HyenaIL.Ops.Split(y, axis, shapes.Select(s => s[ax]).ToArray());
            for (int k = 0; k < back.Length; k++)
            {
                Assert.Equal(parts[k].X, back[k].ToIntArray());
                back[k].Dispose();
            }
        }
        finally
        {
            tensors.ForEach(t => t.Dispose());
        }
    }

    [Fact]
    public void SplitMatchesSlicesOfTheReferenceAndSplitEqualCutsEvenly()
    {
        int[] shape = IsCpu ? [4, 300, 65] : [2, 12, 9];
        var x = RandomData.AsFloat32(RandomData.Uniform(8, Reference.Size(shape)));
        using var tx = Upload(x, shape);
        int third = shape[1] / 3;
        var parts = global::HyenaIL.Ops.SplitEqual(tx, 1, 3);
        Assert.Equal(3, parts.Length);
        for (int k = 0; k < 3; k++)
        {
            Assert.Equal(RandomData.ToFloat(Reference.Slice(x, shape, 1, k * third, third).Y), parts[k].ToFloatArray());
        }
        using var joined = global::HyenaIL.Ops.Concat(parts, 1);
        Assert.Equal(RandomData.ToFloat(x), joined.ToFloatArray());
        foreach (var p in parts) p.Dispose();
    }

    [Fact]
    public void MismatchedPartsNameTheOpAndTheShapes()
    {
        using var a = Upload(new double[6], 2, 3);
        using var b = Upload(new double[8], 4, 2);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.Concat([a, b], 1));
        Assert.Contains("Concat", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 2)", e.Message);
        using var c = Upload(new double[6], 2, 3, 1);
        Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.Concat([a, c], 0));
        using var ints = Upload(new int[6], 2, 3);
        var d = Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.Concat([a, ints], 0));
        Assert.Contains("Concat", d.Message);
        Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.Concat([], 0));
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.Concat([a, a], 2));
        Assert.Contains("Concat", r.Message);
    }

    [Fact]
    public void SplitSizesThatDoNotAddUpAreRejected()
    {
        using var x = Upload(new double[14], 2, 7);
        var e = Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.Split(x, 1, 3, 3));
        Assert.Contains("Split", e.Message);
        Assert.Contains("(3, 3)", e.Message);
        Assert.Contains("(2, 7)", e.Message);
        Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.Split(x, 1, 7, 0));
        Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.Split(x, 1));
        var s = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.SplitEqual(x, 1, 2));
        Assert.Contains("SplitEqual", s.Message);
        Assert.Contains("(2, 7)", s.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.SplitEqual(x, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.Split(x, -3, 1, 1));
    }
}

public sealed class ConcatTestsCpu(DeviceFixture f) : ConcatTests(f, "cpu");

public sealed class ConcatTestsIlgpuCpu(DeviceFixture f) : ConcatTests(f, "ilgpu-cpu");

public sealed class ConcatTestsCuda(DeviceFixture f) : ConcatTests(f, "cuda");

/// <summary>Checks that need two devices, or float64 (cpu only).</summary>
public sealed class ConcatDeviceAndFloat64Tests(DeviceFixture fixture)
{
    [Fact]
    public void PartsOnDifferentDevicesAreRejected()
    {
        using var a = Tensor.Zeros(Shape.Of(2, 3), Device.Cpu);
        using var b = Tensor.Zeros(Shape.Of(2, 3), fixture.Get("ilgpu-cpu"));
        var e = Assert.Throws<DeviceMismatchException>(() => global::HyenaIL.Ops.Concat([a, b], 0));
        Assert.Contains("Concat", e.Message);
    }

    [Fact]
    public void Float64ConcatAndSplitMatchTheReference()
    {
        var parts = new[] { (X: RandomData.Uniform(1, 6), Shape: new[] { 2, 3 }), (X: RandomData.Uniform(2, 10), Shape: new[] { 2, 5 }) };
        using var a = Tensor.FromArray(parts[0].X, new Shape(parts[0].Shape), Device.Cpu);
        using var b = Tensor.FromArray(parts[1].X, new Shape(parts[1].Shape), Device.Cpu);
        using var y = global::HyenaIL.Ops.Concat([a, b], 1);
        Assert.Equal(Reference.Concat(parts, 1).Y, y.ToDoubleArray());
        var back = global::HyenaIL.Ops.Split(y, 1, 3, 5);
        Assert.Equal(parts[0].X, back[0].ToDoubleArray());
        Assert.Equal(parts[1].X, back[1].ToDoubleArray());
        foreach (var t in back) t.Dispose();
    }
}
