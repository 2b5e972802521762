using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public sealed class CounterRngTests
{
    // Published SplitMix64 outputs (Vigna's splitmix64.c; Rosetta Code "Pseudo-random numbers/Splitmix64").
    private static readonly ulong[] Seed1234567 =
        [6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL];

    [Fact]
    public void TheReferenceGeneratorReproducesPublishedSplitMix64Outputs()
    {
        ulong state = 1234567;
        foreach (var expected in Seed1234567) Assert.Equal(expected, Reference.SplitMix64Next(ref state));
        state = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, Reference.SplitMix64Next(ref state));
    }

    [Fact]
    public void BitsAreSplitMix64OutputsOfTheState()
    {
        var rng = CounterRng.FromState(1234567);
        for (int i = 0; i < Seed1234567.Length; i++) Assert.Equal(Seed1234567[i], rng.Bits((ulong)i));
        Assert.Equal(0xE220A8397B1DCDAFUL, CounterRng.FromState(0).Bits(0));
    }

    [Fact]
    public void TheStateOfASeedIsSplitMix64sFirstOutputForIt()
    {
        Assert.Equal(Seed1234567[0], new CounterRng(1234567).State);
        Assert.Equal(0xE220A8397B1DCDAFUL, new CounterRng(0).State);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(1UL)]
    [InlineData(0xFFFFFFFFFFFFFFFFUL)]
    public void EachValueMatchesTheSequentialReferenceStream(ulong seed)
    {
        const int n = 1000;
        var rng = new CounterRng(seed);
        var bits = Reference.StreamBits(seed, n);
        var uniform = Reference.StreamUniform(seed, n);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(bits[i], rng.Bits((ulong)i));
            Assert.Equal(uniform[i], (double)rng.Uniform((ulong)i));
        }
    }

    [Fact]
    public void NormalIsBoxMullerOnConsecutiveUniformPairs()
    {
        const int n = 1000;
        var rng = new CounterRng(42);
        var expected = Reference.StreamNormal(42, n);
        var actual = new double[n];
        for (int i = 0; i < n; i++) actual[i] = rng.Normal((ulong)i);
        // float32 log/cos/sqrt of radius ≤ 5.77: the cos argument 2π·u rounds by ≤ 2.4e-7, times the radius
        // ≤ 1.4e-6; 1e-5 absolute leaves a margin of about 7.
        Tolerance.AssertClose(expected, actual, "CounterRng.Normal", rtol: 1e-5, atol: 1e-5);
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(5UL)]
    [InlineData((1UL << 40) + 3)]
    [InlineData(ulong.MaxValue - 20)] // the counter wraps around inside the vectors
    public void FillUniformGivesTheSameValuesAsUniform(ulong first)
    {
        var rng = new CounterRng(11);
        foreach (int n in Enumerable.Range(0, 41).Append(1000))
        {
            var bulk = new float[n];
            rng.FillUniform(first, bulk);
            for (int i = 0; i < n; i++) Assert.Equal(rng.Uniform(unchecked(first + (ulong)i)), bulk[i]);
        }
    }

    [Fact]
    public void UniformStaysBelowOneAtTheLargestCounterValues()
    {
        var rng = new CounterRng(7);
        for (ulong i = ulong.MaxValue - 1000; i < ulong.MaxValue; i++)
        {
            float u = rng.Uniform(i);
            Assert.InRange(u, 0f, MathF.BitDecrement(1f));
        }
    }
}
