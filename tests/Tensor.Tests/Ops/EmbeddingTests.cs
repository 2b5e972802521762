using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

// Tolerances: the forward copies rows, so it is exact. The backward adds at most a few dozen float32 values per
// element (ids repeat at most ~N/V times): SumAtol of the number of ids.
public abstract class EmbeddingTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int, int, int[]> Cases => new()
    {
        // V, D, shape of ids
        { 1, 1, [3] },
        { 5, 3, [7] },
        { 17, 8, [2, 3] },
        { 3, 17, [4, 5] },
        { 1000, 4, [9] },
        { 6, 33, [2, 2, 5] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LookupAndScatterAddMatchTheReference(int v, int d, int[] idShape)
    {
        var weight = RandomData.AsFloat32(RandomData.Uniform(v + d, v * d));
        var ids = RandomData.Ints(v * d, Reference.Size(idShape), v);
        var dy = RandomData.AsFloat32(RandomData.Uniform(d, ids.Length * d));
        using var tw = Upload(weight, v, d);
        using var tids = Upload(ids, idShape);
        using var y = global::HyenaIL.Ops.Embedding(tw, tids);
        Assert.Equal(new Shape([.. idShape, d]), y.Shape);
        string what = $"V={v} D={d} ids {string.Join("x", idShape)}";
        Tolerance.AssertClose(Reference.Embedding(weight, d, ids), y.ToFloatArray(), "Embedding " + what, rtol: 0, atol: 0);

        using var tdy = Upload(dy, [.. idShape, d]);
        using var dw = global::HyenaIL.Ops.EmbeddingBackward(tids, tdy, v);
        Assert.Equal(Shape.Of(v, d), dw.Shape);
        Tolerance.AssertClose(Reference.EmbeddingBackward(ids, dy, v, d), dw.ToFloatArray(), "EmbeddingBackward " + what,
            atol: Tolerance.SumAtol(ids.Length));
    }

    [Fact]
    public void ScalarIdsGiveOneRowAndUnnamedRowsGetZeroGradient()
    {
        var weight = RandomData.AsFloat32(RandomData.Uniform(61, 4 * 3));
        using var tw = Upload(weight, 4, 3);
        using var id = Upload(new[] { 2 });
        using var y = global::HyenaIL.Ops.Embedding(tw, id);
        Assert.Equal(Shape.Of(3), y.Shape);
        Assert.Equal(RandomData.ToFloat(weight[6..9]), y.ToFloatArray());

        using var dy = Upload(new[] { 1.5, -2, 0.25 }, 3);
        using var dw = global::HyenaIL.Ops.EmbeddingBackward(id, dy, 4);
        Assert.Equal(new float[] { 0, 0, 0, 0, 0, 0, 1.5f, -2, 0.25f, 0, 0, 0 }, dw.ToFloatArray());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(-1)]
    public void AnIdOutOfRangeNamesTheOpTheIdItsIndexAndV(int bad)
    {
        using var tw = Upload(new double[12], 4, 3);
        using var ids = Upload(new[] { 0, 1, 2, 3, bad, 0 }, 2, 3);
        var e = Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.Embedding(tw, ids));
        Assert.Contains($"Embedding: id {bad}", e.Message);
        Assert.Contains("(1, 1)", e.Message);
        Assert.Contains("V = 4", e.Message);
        using var dy = Upload(new double[18], 2, 3, 3);
        e = Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.EmbeddingBackward(ids, dy, 4));
        Assert.Contains("EmbeddingBackward", e.Message);
    }

    [Fact]
    public void WrongTypesAndShapesAreRejected()
    {
        using var tw = Upload(new double[12], 4, 3);
        using var floatIds = Upload(new double[2], 2);
        var d = Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.Embedding(tw, floatIds));
        Assert.Contains("Embedding: ids must be int32", d.Message);
        using var flat = Upload(new double[12], 12);
        using var ids = Upload(new[] { 1, 2 }, 2);
        Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.Embedding(flat, ids));
        using var dy = Upload(new double[9], 3, 3);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.EmbeddingBackward(ids, dy, 4));
        Assert.Contains("EmbeddingBackward: dy", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(3, 3)", e.Message);
    }
}

public sealed class EmbeddingTestsCpu(DeviceFixture f) : EmbeddingTests(f, "cpu");

public sealed class EmbeddingTestsIlgpuCpu(DeviceFixture f) : EmbeddingTests(f, "ilgpu-cpu");

public sealed class EmbeddingTestsCuda(DeviceFixture f) : EmbeddingTests(f, "cuda");

/// <summary>The cpu device only: float64 tensors, and the deterministic order of the scatter-add.</summary>
public sealed class EmbeddingCpuOnlyTests
{
    [Fact]
    public void Float64LookupAndScatterAdd()
    {
        const int v = 7, d = 5;
        var weight = RandomData.Uniform(71, v * d);
        var ids = RandomData.Ints(72, 30, v);
        var dy = RandomData.Uniform(73, 30 * d);
        using var tw = Tensor.FromArray(weight, Shape.Of(v, d), Device.Cpu);
        using var tids = Tensor.FromArray(ids, Shape.Of(5, 6), Device.Cpu);
        using var tdy = Tensor.FromArray(dy, Shape.Of(5, 6, d), Device.Cpu);
        using var y = global::HyenaIL.Ops.Embedding(tw, tids);
        using var dw = global::HyenaIL.Ops.EmbeddingBackward(tids, tdy, v);
        Assert.Equal(Reference.Embedding(weight, d, ids), y.ToDoubleArray());
        Tolerance.AssertClose(Reference.EmbeddingBackward(ids, dy, v, d), dw.ToDoubleArray(), "EmbeddingBackward float64", rtol: 1e-14, atol: 1e-14);
    }

    [Fact]
    public void ScatterAddIsBitwiseRepeatable()
    {
        // Many ids hitting few rows, large enough that the loop runs on several threads.
        const int v = 3, d = 64, n = 20000;
        var ids = RandomData.Ints(74, n, v);
        var dy = RandomData.ToFloat(RandomData.Normal(75, n * d));
        using var tids = Tensor.FromArray(ids, Shape.Of(n), Device.Cpu);
        using var tdy = Tensor.FromArray(dy, Shape.Of(n, d), Device.Cpu);
        using var first = global::HyenaIL.Ops.EmbeddingBackward(tids, tdy, v);
        using var second = global::HyenaIL.Ops.EmbeddingBackward(tids, tdy, v);
        Assert.Equal(first.ToFloatArray(), second.ToFloatArray());
        Tolerance.AssertClose(Reference.EmbeddingBackward(ids, RandomData.ToDouble(dy), v, d), first.ToFloatArray(),
            "EmbeddingBackward, 20 000 ids", atol: Tolerance.SumAtol(n, 4));
    }
}
