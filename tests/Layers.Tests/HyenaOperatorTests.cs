using HyenaIL.Autograd;
using HyenaIL.Layers;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public abstract class HyenaOperatorTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    internal static ModelConfig Small(int order) => new()
    {
        Width = 6, Order = order, FilterWidth = 8, PositionalDims = 5, MaxLength = 32, SinFrequency = 10,
        Vocab = 11, Layers = 1, InnerWidth = 12, EmbedDropout = 0,
    };

    internal sealed class Holder : Module
    {
        public Holder(Device device, ModelConfig config, ulong seed, bool unitScale = false) : base(device)
        {
            Op = Child("op", new HyenaOperator(device, config, 0));
            Initialize(seed);
            // GPT-2 initialisation (std 0.02) leaves outputs near 1e−4; larger weights exercise the math at unit scale.
            if (unitScale)
                foreach (var (name, p) in NamedParameters())
                    if (p.Value.Rank == 2 && name.EndsWith(".weight", StringComparison.Ordinal))
                        Init.Normal(0.4).Apply(p.Value, seed + (ulong)name.Length);
        }

        public HyenaOperator Op { get; }
    }

    [Theory]
    [InlineData(2, 13)]
    [InlineData(3, 13)]
    [InlineData(2, 1)]
    [InlineData(4, 7)]
    public void MatchesAPlainFloat64Implementation(int order, int length)
    {
        var config = Small(order);
        using var holder = new Holder(Device, config, 7);
        var reference = new HyenaReference(holder, "op.", config);
        var u = RandomData.AsFloat32(RandomData.Normal(3, 2 * length * config.Width));
        var expected = reference.Forward(u, 2, length);
        using var input = Upload(u, 2, length, config.Width);
        using var graph = new Graph(recordGradients: false);
        var y = holder.Op.Forward(graph.Input(input));
        double err = MaxRelative(expected, y.Value.ToDoubleArray(), minSignal: 1e-5);
        Assert.True(err <= 1e-5, $"order {order}, L {length}: max |y − reference| / max |reference| = {err:E2} > 1e-5");
    }

    [Theory]
    [InlineData(2, 17)]
    [InlineData(3, 9)]
    public void TheMaterialisedMatricesReproduceTheOutput(int order, int length)
    {
        var config = Small(order);
        using var holder = new Holder(Device, config, 11, unitScale: true);
        var u = RandomData.AsFloat32(RandomData.Normal(5, length * config.Width));
        using var input = Upload(u, 1, length, config.Width);
        var m = holder.Op.Materialize(input);
        double[] outW = holder.Op.OutProj.Weight.Value.ToDoubleArray(), outB = holder.Op.OutProj.Bias!.Value.ToDoubleArray();
        int d = config.Width;
        // y[t, e] = b[e] + Σ_c W[e, c] Σ_{s ≤ t} H[c, t, s] · V[c, s], by explicit loops in float64.
        var naive = new double[length * d];
        for (int t = 0; t < length; t++)
            for (int e = 0; e < d; e++)
            {
                double acc = outB[e];
                for (int c = 0; c < d; c++)
                {
                    double hv = 0;
                    for (int s = 0; s <= t; s++) hv += m.At(c, t, s) * m.V[c * length + s];
                    acc += outW[e * d + c] * hv;
                }
                naive[t * d + e] = acc;
            }
        for (int c = 0; c < d; c++)
            for (int t = 0; t < length; t++)
                for (int s = t + 1; s < length; s++)
                    Assert.True(m.At(c, t, s) == 0, $"H[{c}] has {m.At(c, t, s)} above the diagonal at ({t}, {s}): not causal");
        using var graph = new Graph(recordGradients: false);
        var y = holder.Op.Forward(graph.Input(input)).Value.ToDoubleArray();
        double err = MaxRelative(naive, y);
        Assert.True(err <= 1e-5, $"order {order}: operator vs materialised matrices, max relative error {err:E2} > 1e-5");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheForwardPassUsesTheLoadedDeltasTAndZNotTheConfigs(bool trainPositional)
    {
        // A checkpoint whose Δ, t and z are not what the config builds: Δ of both signs (the window takes |Δ|), t
        // quadratic instead of linear, z moved away from its formula (a trained z; a frozen buffer for the false case).
        var config = Small(2) with { TrainPositional = trainPositional };
        const int length = 13;
        int lmax = config.MaxLength, e = config.PositionalDims;
        var deltas = Enumerable.Range(0, config.Width).Select(c => (c % 2 == 0 ? 1.0 : -1.0) * (0.7 + 1.9 * c)).ToArray();
        var t = Enumerable.Range(0, lmax).Select(n => 0.05 + 1.7 * Math.Pow(n / (lmax - 1.0), 2)).ToArray();
        var u = RandomData.AsFloat32(RandomData.Normal(6, 2 * length * config.Width));
        string path = Path.Combine(Path.GetTempPath(), $"hyenail-buffers-{Guid.NewGuid():N}.safetensors");
        try
        {
            double[] asConfigured;
            using (var source = new Holder(Cpu, config, 7))
            {
                // Unit-scale projections and a last filter layer large enough that the kernel, not only D, shapes the
                // output; the Sin layers keep GPT-2's 0.02, where they do not amplify float32 rounding.
                foreach (var (name, p) in source.NamedParameters())
                    if (name.EndsWith("_proj.weight", StringComparison.Ordinal) || name.EndsWith("implicit_filter.6.weight", StringComparison.Ordinal))
                        Init.Normal(0.4).Apply(p.Value, 31 + (ulong)name.Length);
                asConfigured = new HyenaReference(source, "op.", config).Forward(u, 2, length);
                var z = source.StateEntries().Single(x => x.Name == "op.filter_fn.pos_emb.z").Tensor.ToDoubleArray();
                for (int i = 0; i < z.Length; i++) z[i] += 0.3 * Math.Sin(1.7 * (i / e) + i % e);
                using var dT = Tensor.FromArray(RandomData.ToFloat(deltas), Shape.Of(1, 1, config.Width), Cpu);
                using var tT = Tensor.FromArray(RandomData.ToFloat(t), Shape.Of(1, lmax, 1), Cpu);
                using var zT = Tensor.FromArray(RandomData.ToFloat(z), Shape.Of(1, lmax, e), Cpu);
                var entries = source.StateEntries().Select(x => (x.Name, x.Name switch
                {
                    "op.filter_fn.modulation.deltas" => dT,
                    "op.filter_fn.pos_emb.t" => tT,
                    "op.filter_fn.pos_emb.z" => zT,
                    _ => x.Tensor,
                })).ToList();
                SafeTensors.Write(path, entries, new Dictionary<string, string>());
            }
            using var loaded = new Holder(Device, config, 8);   // every tensor is replaced by the load
            Checkpoint.LoadInto(loaded, Checkpoint.Read(path));
            Assert.Equal(RandomData.AsFloat32(deltas), loaded.Op.Filter.Modulation.Deltas.Value.ToDoubleArray());
            Assert.Equal(RandomData.AsFloat32(t), loaded.Op.Filter.PosEmb.T.Value.ToDoubleArray());
            var expected = new HyenaReference(loaded, "op.", config).Forward(u, 2, length);   // reads the loaded buffers
            using var input = Upload(u, 2, length, config.Width);
            using var graph = new Graph(recordGradients: false);
            var y = loaded.Op.Forward(graph.Input(input)).Value.ToDoubleArray();
            double err = MaxRelative(expected, y);
            Assert.True(err <= 1e-5, $"forward with the loaded Δ, t, z vs a float64 computation with them: max relative error {err:E2} > 1e-5");
            double moved = MaxRelative(expected, asConfigured);
            TestContext.Current.TestOutputHelper?.WriteLine($"{DeviceName}: error {err:E2}; the changed buffers moved the output by {moved:E2}");
            Assert.True(moved > 1e-2, $"the changed Δ, t, z moved the reference output by only {moved:E2}: the test would not notice them ignored");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ASequenceLongerThanLMaxIsRefusedWithTheLimit()
    {
        var config = Small(2);
        using var holder = new Holder(Device, config, 1);
        using var input = Upload(new double[config.MaxLength + 1], 1, config.MaxLength + 1, 1);
        using var wide = Tensor.Zeros(Shape.Of(1, config.MaxLength + 1, config.Width), Device);
        using var graph = new Graph();
        var e = Assert.Throws<ArgumentException>(() => holder.Op.Forward(graph.Input(wide)));
        Assert.Contains("l_max 32", e.Message);
        Assert.Throws<ShapeException>(() => holder.Op.Forward(graph.Input(input)));
    }

    internal static double MaxRelative(double[] expected, double[] actual, double minSignal = 0.1)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxRef = expected.Max(Math.Abs), maxErr = 0;
        for (int i = 0; i < expected.Length; i++) maxErr = Math.Max(maxErr, Math.Abs(expected[i] - actual[i]));
        Assert.True(maxRef > minSignal, $"reference output is {maxRef:E2}: too little signal to compare");
        return maxErr / maxRef;
    }
}

public sealed class HyenaOperatorTestsCpu(DeviceFixture f) : HyenaOperatorTests(f, "cpu");

public sealed class HyenaOperatorTestsIlgpuCpu(DeviceFixture f) : HyenaOperatorTests(f, "ilgpu-cpu");

public sealed class HyenaOperatorTestsCuda(DeviceFixture f) : HyenaOperatorTests(f, "cuda");

/// <summary>The operator in float64 on the cpu device: the same math to rounding.</summary>
public sealed class HyenaOperatorFloat64Tests
{
    [Theory]
    [InlineData(2, 13)]
    [InlineData(3, 11)]
    [InlineData(4, 7)]
    public void InFloat64AtUnitScaleItMatchesThePlainImplementationToRounding(int order, int length)
    {
        var config = HyenaOperatorTests.Small(order);
        using var holder = new HyenaOperatorTests.Holder(Device.Cpu, config, 13, unitScale: true);
        holder.ConvertTo(DType.Float64);
        var reference = new HyenaReference(holder, "op.", config);
        var u = RandomData.Normal(4, 2 * length * config.Width);
        var expected = reference.Forward(u, 2, length);
        using var input = Tensor.FromArray(u, Shape.Of(2, length, config.Width), Device.Cpu);
        using var graph = new Graph(recordGradients: false);
        double err = HyenaOperatorTests.MaxRelative(expected, holder.Op.Forward(graph.Input(input)).Value.ToDoubleArray());
        Assert.True(err <= 1e-11, $"order {order}, L {length}: float64 max relative error {err:E2} > 1e-11");
    }
}
