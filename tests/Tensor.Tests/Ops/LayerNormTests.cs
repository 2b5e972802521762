using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class LayerNormTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(5, 17)]
    [InlineData(3, 1000)]
    [InlineData(64, 33)]
    public void MatchesTheReferenceAndReturnsTheStatistics(int rows, int d)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(1, rows * d, -3, 3));
        var gamma = RandomData.AsFloat32(RandomData.Uniform(2, d, 0.5, 1.5));
        var beta = RandomData.AsFloat32(RandomData.Uniform(3, d));
        using var tx = Upload(x, rows, d);
        using var tg = Upload(gamma, d);
        using var tb = Upload(beta, d);
        using var r = global::HyenaIL.Ops.LayerNorm(tx, tg, tb, 1e-5f);
        Tolerance.AssertClose(Reference.LayerNorm(x, gamma, beta, d, 1e-5), r.Y.ToFloatArray(), "LayerNorm", atol: 1e-5);
        Assert.Equal(Shape.Of(rows), r.Mean.Shape);
        var means = Enumerable.Range(0, rows).Select(i => x.Skip(i * d).Take(d).Average()).ToArray();
        Tolerance.AssertClose(means, r.Mean.ToFloatArray(), "LayerNorm mean", atol: 1e-6);
    }

    [Fact]
    public void AGammaOfTheWrongShapeIsNamed()
    {
        using var x = Upload(new double[12], 3, 4);
        using var g = Upload(new double[3], 3);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.LayerNorm(x, g, g));
        Assert.Contains("gamma", e.Message);
        Assert.Contains("(4,)", e.Message);
        Assert.Contains("(3,)", e.Message);
    }
}

public sealed class LayerNormTestsCpu(DeviceFixture f) : LayerNormTests(f, "cpu");

public sealed class LayerNormTestsIlgpuCpu(DeviceFixture f) : LayerNormTests(f, "ilgpu-cpu");

public sealed class LayerNormTestsCuda(DeviceFixture f) : LayerNormTests(f, "cuda");
