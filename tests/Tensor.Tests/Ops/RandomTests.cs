using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

// Statistical checks use deterministic seeds, so they pass or fail the same way every run; each bound is
// five standard errors of the statistic (a chance of about 6e-7 that a correct generator misses it).
public abstract class RandomTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    /// <summary>Large on cpu; a few thousand on the ILGPU simulator, where every element is an OS thread's work.</summary>
    private int N => IsCpu ? 1 << 18 : 4096;

    private static void AssertWithin(string what, double actual, double expected, double standardError) =>
        Assert.True(Math.Abs(actual - expected) <= 5 * standardError,
            $"{what}: {actual:G6}, expected {expected:G6} ± 5·{standardError:E2}");

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1000)]
    public void UniformIsTheStreamBitForBit(int n)
    {
        using var y = global::HyenaIL.Ops.RandomUniform(Shape.Of(n), Device, 12345);
        var expected = Reference.StreamUniform(12345, n);
        var actual = y.ToFloatArray();
        for (int i = 0; i < n; i++) Assert.Equal(BitConverter.SingleToInt32Bits((float)expected[i]), BitConverter.SingleToInt32Bits(actual[i]));
    }

    [Fact]
    public void UniformAndNormalAgreeWithTheCpuDevice()
    {
        var shape = Shape.Of(3, 7, 11);
        using var u = global::HyenaIL.Ops.RandomUniform(shape, Device, 99, -2f, 3f);
        using var uCpu = global::HyenaIL.Ops.RandomUniform(shape, Cpu, 99, -2f, 3f);
        Assert.Equal(uCpu.ToFloatArray().Select(BitConverter.SingleToInt32Bits), u.ToFloatArray().Select(BitConverter.SingleToInt32Bits));
        using var z = global::HyenaIL.Ops.RandomNormal(shape, Device, 99, 0.5f, 2f);
        using var zCpu = global::HyenaIL.Ops.RandomNormal(shape, Cpu, 99, 0.5f, 2f);
        // Bit-identical on cpu and ilgpu-cpu (the same MathF calls in the same order); a GPU's approximate
        // Log/Cos/Sqrt may move the last bits: 1e-6 on values of magnitude ≤ 12.
        if (Device.Kind is DeviceKind.Cpu or DeviceKind.IlgpuCpu)
            Assert.Equal(zCpu.ToFloatArray().Select(BitConverter.SingleToInt32Bits), z.ToFloatArray().Select(BitConverter.SingleToInt32Bits));
        else
            Tolerance.AssertClose(zCpu.ToFloatArray(), z.ToFloatArray(), "RandomNormal against cpu", rtol: 1e-6, atol: 1e-6);
    }

    [Fact]
    public void ScaledValuesMatchTheReferenceAndStayInRange()
    {
        const int n = 999;
        using var u = global::HyenaIL.Ops.RandomUniform(Shape.Of(n), Device, 5, -2f, 3f);
        var uu = Reference.StreamUniform(5, n);
        var ua = u.ToFloatArray();
        // low + (high − low)·u in float32: two roundings of values ≤ 3, ≤ 2.4e-7 each.
        Tolerance.AssertClose(uu.Select(v => -2 + 5 * v).ToArray(), ua, "RandomUniform(-2, 3)", rtol: 0, atol: 1e-6);
        Assert.All(ua, v => Assert.InRange(v, -2f, MathF.BitDecrement(3f)));
        using var z = global::HyenaIL.Ops.RandomNormal(Shape.Of(n), Device, 5, 1.5f, 0.5f);
        // As CounterRng.Normal's tolerance (1e-5 absolute for the standard normal), scaled by std = 0.5, plus the
        // rounding of mean + std·z.
        Tolerance.AssertClose(Reference.StreamNormal(5, n).Select(v => 1.5 + 0.5 * v).ToArray(), z.ToFloatArray(),
            "RandomNormal(1.5, 0.5)", rtol: 1e-6, atol: 1e-5);
    }

    [Fact]
    public void UniformIsUniformOnTheUnitInterval()
    {
        int n = N;
        using var t = global::HyenaIL.Ops.RandomUniform(Shape.Of(n), Device, 2024);
        var u = t.ToFloatArray().Select(v => (double)v).ToArray();
        double mean = u.Average(), variance = u.Select(v => (v - mean) * (v - mean)).Sum() / (n - 1);
        AssertWithin("mean", mean, 0.5, Math.Sqrt(1.0 / 12 / n));
        AssertWithin("variance", variance, 1.0 / 12, Math.Sqrt((1.0 / 80 - 1.0 / 144) / n));
        Assert.InRange(u.Min(), 0, 10.0 / n); // P(min > 10/n) ≈ e^-10
        Assert.InRange(u.Max(), 1 - 10.0 / n, MathF.BitDecrement(1f));
        var counts = new int[16];
        foreach (var v in u) counts[(int)(v * 16)]++;
        for (int b = 0; b < 16; b++)
            AssertWithin($"bin {b} of 16", counts[b], n / 16.0, Math.Sqrt(n * (1.0 / 16) * (15.0 / 16)));
    }

    [Fact]
    public void NormalHasTheRequestedMeanAndSpread()
    {
        int n = N;
        using var t = global::HyenaIL.Ops.RandomNormal(Shape.Of(n), Device, 7, mean: 1.5f, std: 0.5f);
        var z = t.ToFloatArray().Select(v => ((double)v - 1.5) / 0.5).ToArray();
        double mean = z.Average(), variance = z.Select(v => (v - mean) * (v - mean)).Sum() / (n - 1);
        AssertWithin("mean", mean, 0, Math.Sqrt(1.0 / n));
        AssertWithin("variance", variance, 1, Math.Sqrt(2.0 / n));
        const double within1 = 0.682689492137;
        AssertWithin("fraction within one std", z.Count(v => Math.Abs(v) < 1) / (double)n, within1, Math.Sqrt(within1 * (1 - within1) / n));
        Assert.All(z, v => Assert.InRange(Math.Abs(v), 0, 5.78)); // Box–Muller on 24-bit uniforms: |z| ≤ √(48 ln 2)
    }

    [Fact]
    public void TheSameSeedRepeatsAndOtherSeedsDiffer()
    {
        int n = N;
        using var a = global::HyenaIL.Ops.RandomUniform(Shape.Of(n), Device, 1);
        using var again = global::HyenaIL.Ops.RandomUniform(Shape.Of(n), Device, 1);
        using var b = global::HyenaIL.Ops.RandomUniform(Shape.Of(n), Device, 2);
        float[] x = a.ToFloatArray(), y = b.ToFloatArray();
        Assert.Equal(x, again.ToFloatArray());
        // Independent 24-bit values coincide with probability 2^-24 each: expected n/2^24 ≤ 0.02 matches.
        Assert.True(x.Zip(y).Count(p => p.First == p.Second) < 3, "seeds 1 and 2 gave coinciding values");
        double mx = x.Average(), my = y.Average();
        double cov = x.Zip(y).Sum(p => (p.First - mx) * (p.Second - my));
        double r = cov / Math.Sqrt(x.Sum(v => (v - mx) * (v - mx)) * y.Sum(v => (v - my) * (v - my)));
        AssertWithin("correlation of seeds 1 and 2", r, 0, 1 / Math.Sqrt(n));
        using var z1 = global::HyenaIL.Ops.RandomNormal(Shape.Of(64), Device, 1);
        using var z2 = global::HyenaIL.Ops.RandomNormal(Shape.Of(64), Device, 2);
        Assert.NotEqual(z1.ToFloatArray(), z2.ToFloatArray());
    }

    [Fact]
    public void UniformNeverReturnsHighEvenWhenRoundingWouldGiveIt()
    {
        // With high one ulp above low, low + range·u rounds to high for every u > 1/2; the result must stay low.
        float high = MathF.BitIncrement(1f);
        using var t = global::HyenaIL.Ops.RandomUniform(Shape.Of(256), Device, 3, 1f, high);
        Assert.All(t.ToFloatArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void BadRangesAndSpreadsAreRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.RandomUniform(Shape.Of(3), Device, 0, 1f, 1f));
        Assert.Contains("RandomUniform", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.RandomUniform(Shape.Of(3), Device, 0, 0f, float.PositiveInfinity));
        e = Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.RandomNormal(Shape.Of(3), Device, 0, 0f, -1f));
        Assert.Contains("RandomNormal", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => global::HyenaIL.Ops.RandomNormal(Shape.Of(3), Device, 0, float.NaN));
    }
}

public sealed class RandomTestsCpu(DeviceFixture f) : RandomTests(f, "cpu");

public sealed class RandomTestsIlgpuCpu(DeviceFixture f) : RandomTests(f, "ilgpu-cpu");

public sealed class RandomTestsCuda(DeviceFixture f) : RandomTests(f, "cuda");
