using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;

namespace HyenaIL.Bench;

/// <summary>
/// C (M, N) = A (M, K) · B (K, N) in float32 with <see cref="Ops.MatmulInto"/> (output preallocated), reported in
/// GFLOP/s from 2·M·N·K flops per product. Shapes: 512³; a Linear layer's (B·L, D)·(D, 3D) with B·L = 8192,
/// D = 256; and a shape with no power of two. The yardstick is bench/python/matmul_numpy.py (numpy with OpenBLAS)
/// on the same shapes.
/// </summary>
[Config(typeof(Config))]
public class MatmulBenchmarks
{
    private Device device = null!;
    private Tensor a = null!, b = null!, c = null!;

    /// <summary>M x K x N.</summary>
    public static IEnumerable<string> Shapes => ["512x512x512", "8192x256x768", "1000x300x700"];

    public static IEnumerable<string> Devices => BenchDevices.Available();

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [ParamsSource(nameof(Devices))]
    public string DeviceName { get; set; } = "";

    /// <summary>Flops of one product: 2·M·N·K (a multiply and an add per term).</summary>
    public static double Flops(string shape)
    {
        var (m, k, n) = Parse(shape);
        return 2.0 * m * n * k;
    }

    [GlobalSetup]
    public void Setup()
    {
        var (m, k, n) = Parse(Shape);
        device = HyenaIL.Device.Open(DeviceName);
        var random = new Random(1);
        a = Tensor.FromArray(Enumerable.Range(0, m * k).Select(_ => random.NextSingle() - 0.5f).ToArray(), HyenaIL.Shape.Of(m, k), device);
        b = Tensor.FromArray(Enumerable.Range(0, k * n).Select(_ => random.NextSingle() - 0.5f).ToArray(), HyenaIL.Shape.Of(k, n), device);
        c = Tensor.Empty(HyenaIL.Shape.Of(m, n), device);
        Product(); // loads (compiles) the kernel on an ILGPU device, outside the measurement
    }

    [Benchmark]
    public void Product()
    {
        Ops.MatmulInto(a, b, c);
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        a.Dispose();
        b.Dispose();
        c.Dispose();
        device.Dispose();
    }

    private static (int M, int K, int N) Parse(string shape)
    {
        var d = shape.Split('x').Select(int.Parse).ToArray();
        return (d[0], d[1], d[2]);
    }

    private sealed class Config : BenchConfig
    {
        public Config() => AddColumn(new ThroughputColumn("GFLOP/s", 1e9, c => Flops((string)c.Parameters["Shape"])));
    }
}
