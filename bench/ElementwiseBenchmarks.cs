using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

namespace HyenaIL.Bench;

/// <summary>
/// Elementwise ops on 16M float32 (64 MiB per tensor, far beyond the caches), in GB/s from the bytes each reads
/// and writes: Add and Mul read two tensors and write one (12 bytes per element), Exp and Gelu read one and write
/// one (8 bytes), as do the plain memory copies (Span.CopyTo on one thread, and on every core through the same
/// <see cref="CpuParallel"/> split the ops use) they are measured against. Each op
/// returns its output to the device's pool when disposed, so the measured loop allocates nothing.
/// </summary>
[Config(typeof(Config))]
public class ElementwiseBenchmarks
{
    public const int Length = 16 << 20;

    private Device device = null!;
    private Tensor x = null!, y = null!, copy = null!;

    public static IEnumerable<string> Devices => BenchDevices.Available();

    [ParamsSource(nameof(Devices))]
    public string DeviceName { get; set; } = "";

    /// <summary>Bytes read plus bytes written by one call of <paramref name="method"/>.</summary>
    public static double Bytes(string method) => method switch
    {
        nameof(Add) or nameof(Mul) => 12.0 * Length,
        _ => 8.0 * Length,
    };

    [GlobalSetup]
    public void Setup()
    {
        device = HyenaIL.Device.Open(DeviceName);
        var random = new Random(1);
        x = Tensor.FromArray(Enumerable.Range(0, Length).Select(_ => random.NextSingle() * 4 - 2).ToArray(), Shape.Of(Length), device);
        y = Tensor.FromArray(Enumerable.Range(0, Length).Select(_ => random.NextSingle() * 4 - 2).ToArray(), Shape.Of(Length), device);
        copy = Tensor.Empty(Shape.Of(Length), device);
        Add(); Mul(); Exp(); Gelu(); // kernels load on an ILGPU device outside the measurement
    }

    [Benchmark]
    public void Add() => Run(Ops.Add(x, y));

    [Benchmark]
    public void Mul() => Run(Ops.Mul(x, y));

    [Benchmark]
    public void Exp() => Run(Ops.Exp(x));

    [Benchmark]
    public void Gelu() => Run(Ops.Gelu(x));

    /// <summary>The yardstick: one thread copying x to another tensor (a device-to-device copy on a GPU).</summary>
    [Benchmark(Baseline = true)]
    public void Copy()
    {
        if (device is CpuDevice) x.AsSpan<float>().CopyTo(copy.AsSpan<float>());
        else copy.CopyFrom(x);
        device.Synchronize();
    }

    /// <summary>The same copy split over the cores as the ops split their work (on a GPU, the device copy again).</summary>
    [Benchmark]
    public void CopyAllCores()
    {
        if (device is CpuDevice)
        {
            var (source, target) = (x, copy);
            CpuParallel.For(Length, 1, (start, end) => source.AsSpan<float>()[start..end].CopyTo(target.AsSpan<float>()[start..end]));
        }
        else copy.CopyFrom(x);
        device.Synchronize();
    }

    private void Run(Tensor result)
    {
        device.Synchronize();
        result.Dispose();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        x.Dispose();
        y.Dispose();
        copy.Dispose();
        device.Dispose();
    }

    private sealed class Config : BenchConfig
    {
        public Config() => AddColumn(new ThroughputColumn("GB/s", 1e9, c => Bytes(c.Descriptor.WorkloadMethod.Name)));
    }
}
