namespace HyenaIL.TestSupport;

public static partial class Reference
{
    private const ulong SplitMixGamma = 0x9E3779B97F4A7C15UL;

    /// <summary>One step of SplitMix64 as published (Vigna's splitmix64.c): advance the state by γ, then
    /// scramble it.</summary>
    public static ulong SplitMix64Next(ref ulong state)
    {
        state += SplitMixGamma;
        ulong z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The first <paramref name="n"/> outputs of the stream for <paramref name="seed"/>, generated
    /// sequentially: a SplitMix64 generator whose state is the first SplitMix64 output for the seed.</summary>
    public static ulong[] StreamBits(ulong seed, int n)
    {
        ulong seedState = seed;
        ulong state = SplitMix64Next(ref seedState);
        var bits = new ulong[n];
        for (int i = 0; i < n; i++) bits[i] = SplitMix64Next(ref state);
        return bits;
    }

    /// <summary>Uniform [0, 1) values of the stream: the 24 high bits over 2^24.</summary>
    public static double[] StreamUniform(ulong seed, int n) =>
        Array.ConvertAll(StreamBits(seed, n), b => (b >> 40) / 16777216.0);

    /// <summary>Normal values of the stream in float64: Box–Muller on uniforms 2i and 2i+1.</summary>
    public static double[] StreamNormal(ulong seed, int n)
    {
        var u = StreamUniform(seed, 2 * n);
        var z = new double[n];
        for (int i = 0; i < n; i++)
            z[i] = Math.Sqrt(-2 * Math.Log(1 - u[2 * i])) * Math.Cos(2 * Math.PI * u[2 * i + 1]);
        return z;
    }
}
