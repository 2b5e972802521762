using BenchmarkDotNet.Running;

namespace HyenaIL.Bench;

/// <summary>Runs the benchmark suites: <c>dotnet run -c Release --project bench/HyenaIL.Bench -- --filter '*Fft*'</c>.
/// Results with machine, versions and date go to bench/RESULTS.md.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
