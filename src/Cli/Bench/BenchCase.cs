using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace HyenaIL.Cli;

/// <summary>One measured case: medians after warm-up, synchronised, and the peak device memory during it.</summary>
public sealed record BenchCase(string Name, string Device, int Batch, int Width, int Length, double ForwardMs, double ForwardBackwardMs,
    long PeakBytes, double? TokensPerSecond = null, string? Note = null)
{
    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["name"] = Name, ["device"] = Device, ["batch"] = Batch, ["width"] = Width, ["L"] = Length,
            ["forward_ms"] = Num(ForwardMs), ["forward_backward_ms"] = Num(ForwardBackwardMs), ["peak_bytes"] = PeakBytes,
        };
        if (TokensPerSecond is { } t) o["tokens_per_s"] = Math.Round(t, 1);
        if (Note is not null) o["note"] = Note;
        return o;
    }

    private static JsonNode? Num(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 4)) : null;

    public static string Header => $"{"case",-28} {"L",7} {"fwd ms",10} {"fwd+bwd ms",11} {"tokens/s",12} {"peak MiB",9}  note";

    public string Row() =>
        $"{Name,-28} {Length,7} {Fmt(ForwardMs),10} {Fmt(ForwardBackwardMs),11} {(TokensPerSecond is { } t ? t.ToString("N0", CultureInfo.InvariantCulture) : "-"),12} " +
        $"{PeakBytes / 1048576.0,9:F1}  {Note}";

    private static string Fmt(double v) => double.IsFinite(v) ? v.ToString("F3", CultureInfo.InvariantCulture) : "-";
}

/// <summary>Timing: warm-up runs, then the median of repeated runs, each ended by a device synchronisation.</summary>
public static class Timing
{
    /// <summary>Median milliseconds of <paramref name="run"/> over <paramref name="repeats"/> runs after
    /// <paramref name="warmup"/> runs; fewer repeats when one run exceeds <paramref name="budgetSeconds"/>.</summary>
    public static double Median(Device device, Action run, int warmup, int repeats, double budgetSeconds)
    {
        // Warm-up: at least `warmup` runs, then up to 50 runs or 5 s. .NET's tiered JIT recompiles a method with full
        // optimisation only after it has been called 30 times, so a code path that runs once per call (a training
        // step) needs dozens of calls before the optimised code is what gets timed: with a one-second warm-up the
        // default training step measured 73 ms instead of the 26 ms it takes in a long run.
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < warmup || (clock.Elapsed.TotalSeconds < 5 && i < 50); i++)
        {
            run();
            device.Synchronize();
            if (clock.Elapsed.TotalSeconds > budgetSeconds) break;
        }
        var times = new List<double>();
        clock.Restart();
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            run();
            device.Synchronize();
            times.Add(sw.Elapsed.TotalMilliseconds);
            if (clock.Elapsed.TotalSeconds > budgetSeconds) break;
        }
        times.Sort();
        return times.Count % 2 == 1 ? times[times.Count / 2] : (times[times.Count / 2 - 1] + times[times.Count / 2]) / 2;
    }
}
