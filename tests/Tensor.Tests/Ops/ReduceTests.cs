using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

// Tolerances: a float32 sum of n terms of magnitude ≤ 1 carries rounding of order sqrt(n)·eps (Tolerance.SumAtol);
// Max and ArgMax pick an element, so they are exact.
public abstract class ReduceTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[], int> AxisCases => new()
    {
        { [1], 0 },
        { [3], -1 },
        { [17], 0 },
        { [1000], 0 },
        { [7, 5], 0 },
        { [7, 5], 1 },
        { [5, 7], -1 },
        { [2, 3, 17], 1 },
        { [2, 3, 17], -3 },
        { [4, 1, 33], 1 },
        { [1000, 3], 0 },
        { [3, 600], 1 },
    };

    [Theory]
    [MemberData(nameof(AxisCases))]
    public void SumMeanAndMaxAlongAnAxisMatchTheFloat64Reference(int[] shape, int axis)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(shape.Sum() + axis, Reference.Size(shape)));
        int a = axis < 0 ? axis + shape.Length : axis, n = shape[a];
        var reduced = shape.Where((_, i) => i != a).ToArray();
        var kept = shape.Select((d, i) => i == a ? 1 : d).ToArray();
        using var tx = Upload(x, shape);
        double atol = Tolerance.SumAtol(n);
        string what = $"{string.Join("x", shape)} axis {axis}";

        using var sum = global::HyenaIL.Ops.Sum(tx, axis);
        Assert.Equal(new Shape(reduced), sum.Shape);
        Tolerance.AssertClose(Reference.SumAlong(x, shape, a), sum.ToFloatArray(), "Sum " + what, atol: atol);

        using var mean = global::HyenaIL.Ops.Mean(tx, axis, keepDims: true);
        Assert.Equal(new Shape(kept), mean.Shape);
        var expectedMean = Reference.SumAlong(x, shape, a).Select(s => s / n).ToArray();
        Tolerance.AssertClose(expectedMean, mean.ToDoubleArray(), "Mean " + what, atol: atol / n, requireSignal: false);

        using var max = global::HyenaIL.Ops.Max(tx, axis);
        Assert.Equal(new Shape(reduced), max.Shape);
        Tolerance.AssertClose(Reference.MaxAlong(x, shape, a), max.ToDoubleArray(), "Max " + what, rtol: 0, atol: 0, requireSignal: false);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(3001)]
    public void WholeTensorReductionsAreScalars(int n)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(n, n, -1, 2));
        using var tx = Upload(x, n);
        double sum = x.Sum(), squares = x.Sum(v => v * v), atol = Tolerance.SumAtol(n, 2);
        using var s = global::HyenaIL.Ops.Sum(tx);
        using var m = global::HyenaIL.Ops.Mean(tx);
        using var mx = global::HyenaIL.Ops.Max(tx);
        using var sq = global::HyenaIL.Ops.SquaredNorm(tx);
        foreach (var t in new[] { s, m, mx, sq }) Assert.Equal(Shape.Scalar, t.Shape);
        Tolerance.AssertClose([sum], s.ToDoubleArray(), $"Sum n={n}", atol: atol, requireSignal: false);
        Tolerance.AssertClose([sum / n], m.ToDoubleArray(), $"Mean n={n}", atol: atol / n, requireSignal: false);
        Tolerance.AssertClose([x.Max()], mx.ToDoubleArray(), $"Max n={n}", rtol: 0, atol: 0, requireSignal: false);
        Tolerance.AssertClose([squares], sq.ToFloatArray(), $"SquaredNorm n={n}", atol: Tolerance.SumAtol(n, 4));
    }

    [Fact]
    public void MaxPropagatesNaNAndHandlesMinusInfinity()
    {
        var x = new double[] { -1, double.NaN, 3, double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity };
        using var tx = Upload(x, 2, 3);
        using var rows = global::HyenaIL.Ops.Max(tx, 1);
        var r = rows.ToFloatArray();
        Assert.True(float.IsNaN(r[0]), $"the row holding NaN gave {r[0]}");
        Assert.Equal(float.NegativeInfinity, r[1]);
        using var all = global::HyenaIL.Ops.Max(tx);
        Assert.True(float.IsNaN((float)all.Item()));
    }

    [Theory]
    [InlineData(new[] { 4, 1000 }, 1)]
    [InlineData(new[] { 17, 3 }, 0)]
    [InlineData(new[] { 2, 9, 5 }, -2)]
    public void ArgMaxMatchesTheReferenceWithTiesAndNaN(int[] shape, int axis)
    {
        // Values on a coarse grid so that ties are common; one NaN planted in the first line.
        var x = RandomData.Ints(shape.Sum(), Reference.Size(shape), 5).Select(v => (double)v).ToArray();
        x[shape[^1] > 1 ? 1 : 0] = double.NaN;
        int a = axis < 0 ? axis + shape.Length : axis;
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.ArgMax(tx, axis);
        Assert.Equal(DType.Int32, y.DType);
        Assert.Equal(new Shape(shape.Where((_, i) => i != a).ToArray()), y.Shape);
        Assert.Equal(Reference.ArgMaxAlong(x, shape, a), y.ToIntArray());
    }

    [Fact]
    public void ArgMaxTiesGoToTheLowestIndex()
    {
        using var tx = Upload(new double[] { 1, 7, 7, 2, 7, 0, 0, 0, 0, 0 }, 2, 5);
        using var y = global::HyenaIL.Ops.ArgMax(tx, -1);
        Assert.Equal(new[] { 1, 0 }, y.ToIntArray());
    }

    public static TheoryData<int[], int[]> SumToCases => new()
    {
        { [2, 7, 5], [5] },
        { [2, 7, 5], [7, 1] },
        { [2, 7, 5], [2, 1, 5] },
        { [2, 7, 5], [1, 7, 1] },
        { [2, 7, 5], [2, 7, 5] },
        { [2, 7, 5], [] },
        { [3, 4, 5, 6], [4, 1, 6] },
        { [1000, 3], [3] },
        { [17, 1, 3], [1, 3] },
    };

    [Theory]
    [MemberData(nameof(SumToCases))]
    public void SumToReversesBroadcasting(int[] shape, int[] target)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(shape.Length + target.Length, Reference.Size(shape)));
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.SumTo(tx, new Shape(target));
        Assert.Equal(new Shape(target), y.Shape);
        int terms = Reference.Size(shape) / Reference.Size(target);
        Tolerance.AssertClose(Reference.SumTo(x, shape, target), y.ToFloatArray(),
            $"SumTo {string.Join("x", shape)} -> ({string.Join(", ", target)})", atol: Tolerance.SumAtol(terms));
        Assert.False(tx.IsDisposed);
    }

    [Fact]
    public void SumToRejectsATargetThatDoesNotBroadcast()
    {
        using var x = Upload(new double[6], 2, 3);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.SumTo(x, Shape.Of(4)));
        Assert.Contains("SumTo", e.Message);
        Assert.Contains("(4,)", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.SumTo(x, Shape.Of(1, 2, 3)));
    }

    [Fact]
    public void AnAxisOutOfRangeNamesTheOpTheAxisAndTheShape()
    {
        using var x = Upload(new double[6], 2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.Sum(x, 2));
        Assert.Contains("Sum: axis 2", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.ArgMax(x, -3));
    }

    [Fact]
    public void AnIntTensorIsRejectedWhereAFloatIsExpected()
    {
        using var ids = Upload(new[] { 1, 2, 3 }, 3);
        var e = Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.Sum(ids));
        Assert.Contains("Sum", e.Message);
        Assert.Contains("int32", e.Message);
        Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.SumTo(ids, Shape.Of(1)));
    }
}

public sealed class ReduceTestsCpu(DeviceFixture f) : ReduceTests(f, "cpu");

public sealed class ReduceTestsIlgpuCpu(DeviceFixture f) : ReduceTests(f, "ilgpu-cpu");

public sealed class ReduceTestsCuda(DeviceFixture f) : ReduceTests(f, "cuda");

/// <summary>The cpu device only: float64 tensors (for gradient checks) and sizes too large for the simulator.</summary>
public sealed class ReduceCpuOnlyTests
{
    private static Device Cpu => Device.Cpu;

    [Fact]
    public void Float64ReductionsAreExactToRounding()
    {
        int[] shape = [3, 17, 5];
        var x = RandomData.Uniform(11, Reference.Size(shape));
        using var tx = Tensor.FromArray(x, new Shape(shape), Cpu);
        using var sum = global::HyenaIL.Ops.Sum(tx, 1);
        using var max = global::HyenaIL.Ops.Max(tx, -1);
        using var to = global::HyenaIL.Ops.SumTo(tx, Shape.Of(17, 1));
        using var sq = global::HyenaIL.Ops.SquaredNorm(tx);
        Assert.Equal(DType.Float64, sum.DType);
        Tolerance.AssertClose(Reference.SumAlong(x, shape, 1), sum.ToDoubleArray(), "Sum float64", rtol: 1e-13, atol: 1e-13);
        Tolerance.AssertClose(Reference.MaxAlong(x, shape, 2), max.ToDoubleArray(), "Max float64", rtol: 0, atol: 0, requireSignal: false);
        Tolerance.AssertClose(Reference.SumTo(x, shape, [17, 1]), to.ToDoubleArray(), "SumTo float64", rtol: 1e-13, atol: 1e-13);
        Tolerance.AssertClose([x.Sum(v => v * v)], sq.ToDoubleArray(), "SquaredNorm float64", rtol: 1e-13, atol: 1e-13);
    }

    [Fact]
    public void LongRowsSplitIntoChunksStillSumCorrectly()
    {
        // 150 001 elements per row: three chunks of 65 536 on the cpu, and a float32 sum that a naive loop would round.
        const int n = 150_001;
        var x = RandomData.AsFloat32(RandomData.Uniform(12, 2 * n, 0, 1));
        using var tx = Tensor.FromArray(RandomData.ToFloat(x), Shape.Of(2, n), Cpu);
        using var rows = global::HyenaIL.Ops.Sum(tx, 1);
        using var cols = global::HyenaIL.Ops.Max(tx, 0);
        using var all = global::HyenaIL.Ops.SquaredNorm(tx);
        Tolerance.AssertClose(Reference.SumAlong(x, [2, n], 1), rows.ToFloatArray(), "Sum of long rows", atol: Tolerance.SumAtol(n));
        Tolerance.AssertClose(Reference.MaxAlong(x, [2, n], 0), cols.ToFloatArray(), "Max of 150 001 columns", rtol: 0, atol: 0);
        Tolerance.AssertClose([x.Sum(v => v * v)], all.ToFloatArray(), "SquaredNorm", atol: Tolerance.SumAtol(2 * n));
    }

    [Fact]
    public void BiasGradientSumsManyLeadingRows()
    {
        // The bias-gradient shape: (B·L, D) → (D), with more rows than one block of 256.
        int[] shape = [8, 300, 33];
        var x = RandomData.AsFloat32(RandomData.Uniform(13, Reference.Size(shape)));
        using var tx = Tensor.FromArray(RandomData.ToFloat(x), new Shape(shape), Cpu);
        using var y = global::HyenaIL.Ops.SumTo(tx, Shape.Of(33));
        Tolerance.AssertClose(Reference.SumTo(x, shape, [33]), y.ToFloatArray(), "SumTo (8, 300, 33) -> (33)", atol: Tolerance.SumAtol(2400));
    }
}
