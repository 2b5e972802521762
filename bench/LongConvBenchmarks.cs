using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using HyenaIL.Fft;

namespace HyenaIL.Bench;

/// <summary>
/// The long convolution on the CPU, forward + backward (what one training step runs), the direct O(L²) sum against
/// the FFT, at B = 4, C = 64, float32: where the two cross is <see cref="LongConv.DirectCrossover"/>. Lengths
/// include non-powers of two; the direct sum is timed only up to L = 1000 (it is O(L²)).
/// Work: the direct method does about 3·B·C·L²/2 multiply-adds; the FFT method 6·B·C + C real FFTs of P = 2^⌈log2 2L⌉
/// points (~2.5·P·log2 P flops each) plus the spectrum products.
/// </summary>
[Config(typeof(Config))]
public class LongConvBenchmarks
{
    private const int B = 4, C = 64;
    private Tensor u = null!, k = null!, d = null!, dy = null!;

    public static IEnumerable<Case> Cases()
    {
        foreach (int l in new[] { 16, 24, 32, 48, 64, 96, 128, 256, 1000 })
        {
            yield return new Case(l, LongConvMethod.Direct);
            yield return new Case(l, LongConvMethod.Fft);
        }
        foreach (int l in new[] { 4096, 16384 }) yield return new Case(l, LongConvMethod.Fft);
    }

    [ParamsSource(nameof(Cases))]
    public Case Scenario { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int l = Scenario.L;
        var random = new Random(1);
        float[] Data(int n) => Enumerable.Range(0, n).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
        u = Tensor.FromArray(Data(B * C * l), Shape.Of(B, C, l), Device.Cpu);
        k = Tensor.FromArray(Data(C * l), Shape.Of(C, l), Device.Cpu);
        d = Tensor.FromArray(Data(C), Shape.Of(C), Device.Cpu);
        dy = Tensor.FromArray(Data(B * C * l), Shape.Of(B, C, l), Device.Cpu);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        u.Dispose();
        k.Dispose();
        d.Dispose();
        dy.Dispose();
    }

    [Benchmark]
    public void ForwardBackward()
    {
        LongConv.Forward(u, k, d, Scenario.Method).Dispose();
        var (du, dk, dd) = LongConv.Backward(u, k, d, dy, Scenario.Method);
        du.Dispose();
        dk.Dispose();
        dd.Dispose();
    }

    public readonly record struct Case(int L, LongConvMethod Method)
    {
        public override string ToString() => $"L={L} {Method}";
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithWarmupCount(3).WithIterationCount(10).WithLaunchCount(1));
        }
    }
}
