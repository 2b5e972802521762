using System.Diagnostics;
using System.Runtime.InteropServices;
using HyenaIL.Fft;
using MathNet.Numerics;
using MathNet.Numerics.IntegralTransforms;
using Fourier = MathNet.Numerics.IntegralTransforms.Fourier;

namespace HyenaIL.Bench;

/// <summary>
/// The FftBenchmarks comparison (HyenaIL, FFTW with FFTW_MEASURE, MathNet; batched complex forward, float32, every
/// core, batch = 2^20/n rows) timed alternately, best of many rounds, so that load from other processes on the
/// shared machine hits all three alike. Prints a markdown table with GFLOP/s (5·n·log2 n per row).
/// Run: <c>dotnet run -c Release --project bench -- fft-compare</c>.
/// </summary>
public static class FftComparison
{
    public static void Run()
    {
        Console.WriteLine($"complex forward FFT, float32, {Environment.ProcessorCount} threads, batch = 2^20/n; best of 20 (MathNet 5) after 1 s of warm-up");
        Console.WriteLine("| n | batch | HyenaIL (ms) | FFTW (ms) | MathNet (ms) | HyenaIL GFLOP/s | HyenaIL / FFTW | MathNet / HyenaIL |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (int e in new[] { 4, 6, 8, 10, 12, 14, 16, 18, 20, 22 })
        {
            int n = 1 << e, batch = Math.Max(1, (1 << 20) / n), len = 2 * n * batch;
            var random = new Random(e);
            var input = new float[len];
            for (int i = 0; i < len; i++) input[i] = (float)(2 * random.NextDouble() - 1);
            var output = new float[len];
            var plan = FftPlan.For(Device.Cpu, n);
            nint fin = Fftw.Malloc((nuint)(len * sizeof(float))), fout = Fftw.Malloc((nuint)(len * sizeof(float)));
            var fftw = Fftw.PlanBatch(n, batch, fin, fout, Environment.ProcessorCount);
            Marshal.Copy(input, 0, fin, len);
            var rows = new Complex32[batch][];
            for (int r = 0; r < batch; r++) rows[r] = new Complex32[n];
            void MathNetRun() => Parallel.For(0, batch, r =>
            {
                MemoryMarshal.Cast<float, Complex32>(input.AsSpan(2 * n * r, 2 * n)).CopyTo(rows[r]);
                Fourier.Forward(rows[r], FourierOptions.Matlab);
            });
            // Warm-up for at least a second: the JIT's tiering has to reach the optimised code first.
            for (var clock = Stopwatch.StartNew(); clock.ElapsedMilliseconds < 1000;)
            {
                FftCpu.Batch(plan, input, output, batch, false, 1f);
                Fftw.Execute(fftw);
            }
            MathNetRun();
            double ours = double.MaxValue, theirs = double.MaxValue, mathNet = double.MaxValue;
            for (int round = 0; round < 20; round++)
            {
                ours = Math.Min(ours, Time(() => FftCpu.Batch(plan, input, output, batch, false, 1f)));
                theirs = Math.Min(theirs, Time(() => Fftw.Execute(fftw)));
                if (round < 5) mathNet = Math.Min(mathNet, Time(MathNetRun));
            }
            Fftw.DestroyPlan(fftw);
            Fftw.Free(fin);
            Fftw.Free(fout);
            double gflops = 5.0 * n * e * batch / (ours * 1e6);
            Console.WriteLine($"| 2^{e} | {batch} | {ours:F3} | {theirs:F3} | {mathNet:F1} | {gflops:F1} | {ours / theirs:F2} | {mathNet / ours:F1} |");
        }
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }
}
