using BenchmarkDotNet.Attributes;

namespace HyenaIL.Bench;

/// <summary>
/// Layer norm and softmax, forward and backward, over rows of a (R, D) tensor, reported in GB/s from the bytes each
/// pass must read and write (float32): layer norm forward reads x and writes y (8·R·D, γ and β are negligible);
/// backward reads x and dy and writes dx (12·R·D); softmax forward reads x and writes y (8·R·D); backward reads y and
/// dy and writes dx (12·R·D). Shapes: a Transformer-sized activation (B·L = 8192, D = 768) and attention scores
/// (4·1024 rows of 1024), plus a width that is not a multiple of a vector (1000).
/// </summary>
[Config(typeof(Config))]
public class RowOpBenchmarks
{
    private Device device = null!;
    private Tensor x = null!, dy = null!, gamma = null!, beta = null!, mean = null!, rstd = null!, y = null!;

    /// <summary>R x D.</summary>
    public static IEnumerable<string> Shapes => ["8192x768", "4096x1024", "4096x1000"];

    public static IEnumerable<string> Devices => BenchDevices.Available();

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [ParamsSource(nameof(Devices))]
    public string DeviceName { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var (r, d) = Parse(Shape);
        device = HyenaIL.Device.Open(DeviceName);
        x = Ops.RandomNormal(HyenaIL.Shape.Of(r, d), device, 1);
        dy = Ops.RandomNormal(HyenaIL.Shape.Of(r, d), device, 2);
        gamma = Tensor.Full(HyenaIL.Shape.Of(d), 1.0, device);
        beta = Tensor.Zeros(HyenaIL.Shape.Of(d), device);
        var result = Ops.LayerNorm(x, gamma, beta);
        (mean, rstd) = (result.Mean, result.Rstd);
        result.Y.Dispose();
        y = Ops.Softmax(x);
        LayerNormForward(); LayerNormBackward(); SoftmaxForward(); SoftmaxBackward(); // kernels load outside the timing
    }

    [Benchmark]
    public void LayerNormForward()
    {
        Ops.LayerNorm(x, gamma, beta).Dispose();
        device.Synchronize();
    }

    [Benchmark]
    public void LayerNormBackward()
    {
        var (dx, dg, db) = Ops.LayerNormBackward(x, gamma, mean, rstd, dy);
        dx.Dispose(); dg.Dispose(); db.Dispose();
        device.Synchronize();
    }

    [Benchmark]
    public void SoftmaxForward()
    {
        Ops.Softmax(x).Dispose();
        device.Synchronize();
    }

    [Benchmark]
    public void SoftmaxBackward()
    {
        Ops.SoftmaxBackward(y, dy).Dispose();
        device.Synchronize();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { x, dy, gamma, beta, mean, rstd, y }) t.Dispose();
        device.Dispose();
    }

    /// <summary>Bytes each pass reads and writes, per the class summary.</summary>
    public static double Bytes(string method, string shape)
    {
        var (r, d) = Parse(shape);
        return (method.EndsWith("Backward", StringComparison.Ordinal) ? 12.0 : 8.0) * r * d;
    }

    private static (int R, int D) Parse(string shape)
    {
        var v = shape.Split('x').Select(int.Parse).ToArray();
        return (v[0], v[1]);
    }

    private sealed class Config : BenchConfig
    {
        public Config() => AddColumn(new ThroughputColumn("GB/s", 1e9, c => Bytes(c.Descriptor.WorkloadMethod.Name, (string)c.Parameters["Shape"])));
    }
}
