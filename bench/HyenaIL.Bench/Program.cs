using BenchmarkDotNet.Running;

namespace HyenaIL.Bench;

/// <summary>Runs the benchmark suites: <c>dotnet run -c Release --project bench/HyenaIL.Bench -- --filter '*Fft*'</c>;
/// <c>-- crossover</c> runs the long convolution's direct/FFT crossover measurement, <c>-- fft-compare</c> the
/// interleaved FFT comparison with FFTW and MathNet.
/// Results with machine, versions and date go to bench/RESULTS.md.</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["crossover"]) LongConvCrossover.Run();
        else if (args is ["fft-compare"]) FftComparison.Run();
        else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
