namespace HyenaIL.Training;

/// <summary>
/// A small sequential generator for data (SplitMix64 over a counter, as <see cref="CounterRng"/>): the same
/// numbers on every machine and .NET version, unlike <see cref="Random"/>'s unspecified algorithm.
/// </summary>
public sealed class SeededRandom(ulong seed)
{
    private readonly CounterRng rng = new(seed);
    private ulong counter;

    /// <summary>Uniform integer in [0, n), by rejection so that every value is equally likely.</summary>
    public int Next(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "the range must be positive");
        ulong limit = ulong.MaxValue - ulong.MaxValue % (ulong)n;
        ulong x;
        do x = rng.Bits(counter++);
        while (x >= limit);
        return (int)(x % (ulong)n);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (rng.Bits(counter++) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Shuffles <paramref name="items"/> in place (Fisher–Yates).</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
