using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class DropoutTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[], float> Cases => new()
    {
        { [1], 0.5f },
        { [17], 0.1f },
        { [1000], 0.5f },
        { [3, 7, 11], 0.3f },
        { [2, 5, 33], 0.9f },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesTheFloat64Reference(int[] shape, float p)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(shape.Length + 11, Reference.Size(shape), 0.5, 2.0));
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.Dropout(tx, p, 77);
        Assert.Equal(tx.Shape, y.Shape);
        // The kept values are x·s with s = 1/(1 − p) rounded to float32 once, then the product rounded: 2 ulps.
        var expected = Reference.Dropout(x, p, 77);
        Tolerance.AssertClose(expected, y.ToFloatArray(), $"Dropout p={p} {string.Join("x", shape)}", rtol: 3e-7, atol: 0);
    }

    [Fact]
    public void BackwardRegeneratesTheForwardMask()
    {
        const int n = 999;
        const float p = 0.4f;
        var x = RandomData.AsFloat32(RandomData.Uniform(1, n, 0.5, 2.0));
        var dy = RandomData.AsFloat32(RandomData.Uniform(2, n, 0.5, 2.0));
        using var tx = Upload(x, 9, 111);
        using var tdy = Upload(dy, 9, 111);
        using var y = global::HyenaIL.Ops.Dropout(tx, p, 31);
        using var dx = global::HyenaIL.Ops.DropoutBackward(tdy, p, 31);
        float[] ya = y.ToFloatArray(), dxa = dx.ToFloatArray();
        float scale = 1f / (1f - p);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(ya[i] == 0f, dxa[i] == 0f);
            Assert.Equal(ya[i] == 0f ? 0f : (float)dy[i] * scale, dxa[i]);
        }
        Tolerance.AssertClose(Reference.Dropout(dy, p, 31), dxa, "DropoutBackward", rtol: 3e-7, atol: 0);
    }

    [Fact]
    public void TheMaskIsTheSameOnEveryDeviceAndChangesWithTheSeed()
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(3, 2000, 0.5, 2.0));
        using var tx = Upload(x, 2000);
        using var cx = Tensor.FromArray(RandomData.ToFloat(x), Shape.Of(2000), Cpu);
        using var y = global::HyenaIL.Ops.Dropout(tx, 0.25f, 8);
        using var yCpu = global::HyenaIL.Ops.Dropout(cx, 0.25f, 8);
        using var other = global::HyenaIL.Ops.Dropout(tx, 0.25f, 9);
        Assert.Equal(yCpu.ToFloatArray(), y.ToFloatArray());
        Assert.NotEqual(y.ToFloatArray().Select(v => v == 0f), other.ToFloatArray().Select(v => v == 0f));
    }

    [Fact]
    public void TheDroppedFractionIsPAndKeptValuesAreScaled()
    {
        int n = IsCpu ? 1 << 18 : 4096;
        const float p = 0.3f;
        using var ones = Tensor.Full(Shape.Of(n), 1.0, Device);
        using var y = global::HyenaIL.Ops.Dropout(ones, p, 2025);
        var v = y.ToFloatArray();
        // Binomial count of drops: standard error √(n·p·(1 − p)); five of them (chance ≈ 6e-7 for a fair mask).
        double dropped = v.Count(e => e == 0f), sigma = Math.Sqrt(n * p * (1 - p));
        Assert.True(Math.Abs(dropped - n * p) <= 5 * sigma, $"dropped {dropped} of {n}, expected {n * p} ± 5·{sigma:F1}");
        // Inverted dropout scales what it keeps by 1/(1 − p), so the expected sum stays n.
        Assert.All(v, e => Assert.True(e == 0f || e == 1f / (1f - p), $"{e} is neither 0 nor 1/(1 − p)"));
    }

    [Fact]
    public void ZeroProbabilityReturnsACopy()
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(4, 35));
        using var tx = Upload(x, 5, 7);
        using var y = global::HyenaIL.Ops.Dropout(tx, 0f, 1);
        Assert.NotSame(tx, y);
        Assert.Equal(tx.ToFloatArray(), y.ToFloatArray());
        tx.Fill(0);
        Assert.Equal(RandomData.ToFloat(x), y.ToFloatArray());
    }

    [Fact]
    public void NonFiniteInputsPropagateThroughDroppedElements()
    {
        using var x = Tensor.Full(Shape.Of(64), double.NaN, Device);
        using var y = global::HyenaIL.Ops.Dropout(x, 0.5f, 4);
        Assert.All(y.ToFloatArray(), v => Assert.True(float.IsNaN(v)));
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void ProbabilitiesOutsideTheUnitIntervalAreRejected(float p)
    {
        using var x = Upload(new double[6], 2, 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.Dropout(x, p, 1));
        Assert.Contains("Dropout", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        e = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.DropoutBackward(x, p, 1));
        Assert.Contains("DropoutBackward", e.Message);
    }

    [Fact]
    public void IntegerTensorsAreRejected()
    {
        using var x = Upload(new[] { 1, 2, 3 }, 3);
        var e = Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.Dropout(x, 0.5f, 1));
        Assert.Contains("Dropout", e.Message);
    }
}

public sealed class DropoutTestsCpu(DeviceFixture f) : DropoutTests(f, "cpu");

public sealed class DropoutTestsIlgpuCpu(DeviceFixture f) : DropoutTests(f, "ilgpu-cpu");

public sealed class DropoutTestsCuda(DeviceFixture f) : DropoutTests(f, "cuda");

/// <summary>float64 exists only on the cpu device.</summary>
public sealed class DropoutFloat64Tests
{
    [Fact]
    public void Float64UsesTheSameMaskWithADoubleScale()
    {
        var x = RandomData.Uniform(5, 501, 0.5, 2.0);
        using var tx = Tensor.FromArray(x, Shape.Of(3, 167), Device.Cpu);
        using var y = global::HyenaIL.Ops.Dropout(tx, 0.35f, 12);
        // One rounding of x·s in float64 (s itself rounded once): 2 ulps of float64.
        Tolerance.AssertClose(Reference.Dropout(x, 0.35f, 12), y.ToDoubleArray(), "Dropout float64", rtol: 5e-16, atol: 0);
    }
}
