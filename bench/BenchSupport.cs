using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace HyenaIL.Bench;

/// <summary>The devices a suite runs on: <c>cpu</c>, and each CUDA device found. The ILGPU simulator is left out:
/// it checks kernels, it is not a fast path (100–3000× slower).</summary>
public static class BenchDevices
{
    public static IEnumerable<string> Available() =>
        DeviceSelector.Discover().Candidates.Where(c => c.Usable && c.Name.StartsWith("cuda", StringComparison.Ordinal))
            .Select(c => c.Name).Prepend("cpu");
}

/// <summary>
/// Work per second from the median time of one operation: <c>work(case) / median / scale</c>, e.g. GFLOP/s from
/// 2·M·N·K flops, or GB/s from the bytes read and written. The work counts are written beside each benchmark.
/// </summary>
public sealed class ThroughputColumn(string name, double scale, Func<BenchmarkCase, double> workPerOperation) : IColumn
{
    public string Id => "Throughput." + name;

    public string ColumnName => name;

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => $"{name} from the median time of one operation";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (stats is null) return "NA";
        double seconds = stats.Median / 1e9;
        return (workPerOperation(benchmarkCase) / seconds / scale).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}

/// <summary>The job every suite uses: more iterations than the default, because the project's machines are shared
/// and noisy, and the median next to the mean.</summary>
public class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default.WithWarmupCount(5).WithIterationCount(25));
        AddColumn(StatisticColumn.Median);
    }
}
