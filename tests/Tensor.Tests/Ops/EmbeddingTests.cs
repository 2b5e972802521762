using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class EmbeddingTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(5, 3, 7)]
    [InlineData(50, 17, 33)]
    public void GatherAndScatterAddMatchTheReference(int v, int d, int n)
    {
        var w = RandomData.AsFloat32(RandomData.Uniform(1, v * d));
        var ids = RandomData.Ints(2, n, v);
        var dy = RandomData.AsFloat32(RandomData.Uniform(3, n * d));
        using var tw = Upload(w, v, d);
        using var ti = Upload(ids, 1, n);
        using var y = global::HyenaIL.Ops.Embedding(tw, ti);
        Assert.Equal(Shape.Of(1, n, d), y.Shape);
        Tolerance.AssertClose(ids.SelectMany(i => w.Skip(i * d).Take(d)).ToArray(), y.ToFloatArray(), "Embedding");
        using var tdy = Upload(dy, 1, n, d);
        using var dw = global::HyenaIL.Ops.EmbeddingBackward(ti, tdy, v);
        var expected = new double[v * d];
        for (int s = 0; s < n; s++)
            for (int c = 0; c < d; c++) expected[ids[s] * d + c] += dy[s * d + c];
        Tolerance.AssertClose(expected, dw.ToFloatArray(), "EmbeddingBackward", atol: Tolerance.SumAtol(n));
    }

    [Fact]
    public void AnIdOutsideTheTableIsNamed()
    {
        using var tw = Upload(new double[6], 3, 2);
        using var ti = Upload([0, -1], 2);
        var e = Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.Embedding(tw, ti));
        Assert.Contains("id -1", e.Message);
        Assert.Contains("3 rows", e.Message);
    }
}

public sealed class EmbeddingTestsCpu(DeviceFixture f) : EmbeddingTests(f, "cpu");

public sealed class EmbeddingTestsIlgpuCpu(DeviceFixture f) : EmbeddingTests(f, "ilgpu-cpu");

public sealed class EmbeddingTestsCuda(DeviceFixture f) : EmbeddingTests(f, "cuda");
