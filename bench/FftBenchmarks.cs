using MathNet.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using HyenaIL.Fft;
using MathNet.Numerics.IntegralTransforms;
using Fourier = MathNet.Numerics.IntegralTransforms.Fourier;

namespace HyenaIL.Bench;

/// <summary>
/// Batched complex forward FFTs, float32, on the CPU: HyenaIL against MathNet.Numerics (Complex32) and FFTW
/// (libfftw3f, FFTW_MEASURE), the same sizes, the same batch and the same thread count (every core).
/// Batch = 2^20 / n rows (one row from n = 2^20 on), so every case moves 8 MiB of complex floats.
/// FLOP count (the usual convention for FFT speed): 5·n·log2(n) per row, so GFLOP/s = 5·n·log2(n)·batch / time.
/// HyenaIL and FFTW run out of place (the input is untouched); MathNet transforms in place, so each of its rows is
/// first copied from the input (one extra pass over 8 MiB, small next to the transform).
/// </summary>
[Config(typeof(Config))]
public class FftBenchmarks
{
    private float[] input = [];
    private float[] output = [];
    private Complex32[][] rows = [];
    private float[][] rowInputs = [];
    private FftPlan plan = null!;
    private nint fftwIn, fftwOut, fftwPlan;

    [Params(64, 1024, 16384, 262144, 1048576, 4194304)]
    public int N { get; set; }

    public int Batch => Math.Max(1, (1 << 20) / N);

    [GlobalSetup]
    public void Setup()
    {
        int len = 2 * N * Batch;
        var random = new Random(1);
        input = new float[len];
        for (int i = 0; i < len; i++) input[i] = (float)(2 * random.NextDouble() - 1);
        output = new float[len];
        plan = FftPlan.For(Device.Cpu, N);
        FftCpu.Batch(plan, input, output, Batch, false, 1f); // tables built, code jitted

        rows = new Complex32[Batch][];
        rowInputs = new float[Batch][];
        for (int r = 0; r < Batch; r++)
        {
            rows[r] = new Complex32[N];
            rowInputs[r] = input.AsSpan(2 * N * r, 2 * N).ToArray();
        }

        nuint bytes = (nuint)(len * sizeof(float));
        fftwIn = Fftw.Malloc(bytes);
        fftwOut = Fftw.Malloc(bytes);
        fftwPlan = Fftw.PlanBatch(N, Batch, fftwIn, fftwOut, Environment.ProcessorCount);
        Marshal.Copy(input, 0, fftwIn, len); // after planning: FFTW_MEASURE overwrites the arrays
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Fftw.DestroyPlan(fftwPlan);
        Fftw.Free(fftwIn);
        Fftw.Free(fftwOut);
    }

    [Benchmark(Baseline = true)]
    public void HyenaIL() => FftCpu.Batch(plan, input, output, Batch, false, 1f);

    [Benchmark]
    public void Fftw3f() => Fftw.Execute(fftwPlan);

    [Benchmark]
    public void MathNet()
    {
        if (Batch == 1) TransformRow(0);
        else Parallel.For(0, Batch, TransformRow);
    }

    private void TransformRow(int r)
    {
        MemoryMarshal.Cast<float, Complex32>(rowInputs[r]).CopyTo(rows[r]);
        Fourier.Forward(rows[r], FourierOptions.Matlab);
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
        }
    }
}
