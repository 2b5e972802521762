namespace HyenaIL;

/// <summary>
/// Splits a loop over [0, n) into contiguous ranges run on the thread pool, or inline when the work is too
/// small to pay for a hand-off (about 30 µs of work per range on the project's 2-core machine).
/// </summary>
public static class CpuParallel
{
    /// <summary>Below this many units of work a loop runs inline on the calling thread.</summary>
    public const long MinWorkPerRange = 1 << 15;

    /// <summary>Runs <paramref name="body"/>(start, end) over ranges covering [0, n).</summary>
    /// <param name="n">Number of items.</param>
    /// <param name="workPerItem">Rough cost of one item, in elements touched or flops.</param>
    /// <param name="body">Called with a half-open range [start, end).</param>
    public static void For(int n, long workPerItem, Action<int, int> body)
    {
        if (n <= 0) return;
        long total = n * Math.Max(1, workPerItem);
        int ranges = (int)Math.Min(Math.Min(n, Environment.ProcessorCount * 4L), Math.Max(1, total / MinWorkPerRange));
        if (ranges <= 1 || Environment.ProcessorCount == 1)
        {
            body(0, n);
            return;
        }
        Parallel.For(0, ranges, r =>
        {
            int start = (int)((long)n * r / ranges);
            int end = (int)((long)n * (r + 1) / ranges);
            if (end > start) body(start, end);
        });
    }
}
