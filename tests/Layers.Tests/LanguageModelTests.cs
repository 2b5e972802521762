using HyenaIL.Autograd;
using HyenaIL.Layers;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public abstract class LanguageModelTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    private static ModelConfig Tiny(MixerKind mixer) => HyenaOperatorTests.Small(2) with
    {
        Mixer = mixer, Layers = 2, Heads = 2, EmbedDropout = 0.1, Vocab = 13, PadVocabMultiple = 8,
    };

    private float[] Logits(LanguageModel model, int[] tokens, int batch)
    {
        using var ids = Upload(tokens, batch, tokens.Length / batch);
        using var graph = new Graph(recordGradients: false);
        return model.Forward(graph.Input(ids)).Value.ToFloatArray();
    }

    [Theory]
    [InlineData(MixerKind.Hyena)]
    [InlineData(MixerKind.Attention)]
    public void LogitsAtPositionTDoNotChangeWhenLaterTokensChange(MixerKind mixer)
    {
        using var model = new LanguageModel(Tiny(mixer), Device, 5);
        model.Eval();
        const int length = 19, cut = 8;
        var a = RandomData.Ints(1, length, 13);
        var b = (int[])a.Clone();
        for (int t = cut + 1; t < length; t++) b[t] = (a[t] + 1 + t) % 13;
        var la = Logits(model, a, 1);
        var lb = Logits(model, b, 1);
        int v = model.Config.PaddedVocab;
        double scale = la.Max(Math.Abs);
        for (int i = 0; i < (cut + 1) * v; i++)
            Assert.True(Math.Abs(la[i] - lb[i]) <= 1e-6 * scale + 1e-7,
                $"{mixer}: logit {i % v} at position {i / v} ≤ {cut} changed from {la[i]} to {lb[i]} when only tokens after {cut} changed");
        Assert.True(Enumerable.Range((cut + 1) * v, (length - cut - 1) * v).Any(i => Math.Abs(la[i] - lb[i]) > 1e-4 * scale),
            "the later logits did not change either: the test input did not reach the model");
    }

    [Theory]
    [InlineData(MixerKind.Hyena)]
    [InlineData(MixerKind.Attention)]
    public void ForwardAndBackwardMatchTheCpuDevice(MixerKind mixer)
    {
        var config = Tiny(mixer) with { EmbedDropout = 0 };
        var tokens = RandomData.Ints(2, 2 * 11, 13);
        var targets = RandomData.Ints(3, 2 * 11, 13);
        targets[4] = -100;
        (float[] Loss, Dictionary<string, float[]> Grads) Run(Device device)
        {
            using var model = new LanguageModel(config, device, 9);
            using var ids = Tensor.FromArray(tokens, Shape.Of(2, 11), device);
            using var tg = Tensor.FromArray(targets, Shape.Of(2, 11), device);
            using var graph = new Graph();
            var loss = LanguageModel.Loss(model.Forward(graph.Input(ids)), graph.Input(tg));
            var value = loss.Value.ToFloatArray();
            graph.Backward(loss);
            return (value, model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToFloatArray()));
        }
        var (cpuLoss, cpuGrads) = Run(Cpu);
        var (devLoss, devGrads) = Run(Device);
        Assert.True(cpuLoss[0] > 2.0, $"initial loss {cpuLoss[0]} should be near ln(16) = 2.77");
        Tolerance.AssertClose(cpuLoss, devLoss, "loss", 1e-5, 1e-6);
        // Each parameter's gradient sums over the B·L = 22 positions terms that passed through two blocks of float32
        // ops in another order on the device: a few eps of the largest terms, ~sqrt(22)·eps ≈ 6e-7 of max|g|, so the
        // floor is 1e-6·max|g| per tensor and the elementwise rtol 1e-5. ilgpu-cpu measured at most 1.9e-7·max|g|
        // beyond 1e-5·|g| (elements below 1e-3·max|g| reach 1.1e-4 relative; the floor covers them).
        foreach (var (name, g) in cpuGrads)
            Tolerance.AssertClose(g, devGrads[name], $"gradient of {name} on {DeviceName} vs cpu", Tolerance.Rtol, 1e-6 * g.Max(Math.Abs) + 1e-9);
    }

    [Fact]
    public void DropoutChangesTrainingOutputsButNotEvaluationOutputs()
    {
        using var model = new LanguageModel(Tiny(MixerKind.Hyena) with { EmbedDropout = 0.5 }, Device, 5);
        var tokens = RandomData.Ints(4, 9, 13);
        float[] Run(ulong seed)
        {
            using var ids = Upload(tokens, 1, 9);
            using var graph = new Graph(recordGradients: false, seed: seed);
            return model.Forward(graph.Input(ids)).Value.ToFloatArray();
        }
        Assert.Equal(Run(1), Run(1));
        Assert.NotEqual(Run(1), Run(2));
        model.Eval();
        Assert.Equal(Run(1), Run(2));
    }
}

public sealed class LanguageModelTestsCpu(DeviceFixture f) : LanguageModelTests(f, "cpu");

public sealed class LanguageModelTestsIlgpuCpu(DeviceFixture f) : LanguageModelTests(f, "ilgpu-cpu");

public sealed class LanguageModelTestsCuda(DeviceFixture f) : LanguageModelTests(f, "cuda");

/// <summary>Float64 gradient checks of whole layers on the cpu device, parameters included.</summary>
public sealed class LayerGradientTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TheHyenaOperatorPassesTheGradientCheck(int order)
    {
        var config = HyenaOperatorTests.Small(order) with { Width = 3, FilterWidth = 4, MaxLength = 8 };
        using var op = new HyenaOperator(Device.Cpu, config, 0);
        op.Initialize(2);
        op.ConvertTo(DType.Float64);
        using var u = Tensor.FromArray(RandomData.Normal(1, 2 * 5 * 3), Shape.Of(2, 5, 3), Device.Cpu);
        var report = GradCheck.Run(v => op.Forward(v[0]), [u], op.Parameters().Where(p => p.Trainable).ToList());
        Assert.True(report.Passed, report.Detail);
    }

    [Theory]
    [InlineData(MixerKind.Hyena)]
    [InlineData(MixerKind.Attention)]
    public void AOneBlockLanguageModelPassesTheGradientCheck(MixerKind mixer)
    {
        var config = HyenaOperatorTests.Small(2) with
        {
            Mixer = mixer, Width = 4, FilterWidth = 4, MaxLength = 8, Vocab = 5, InnerWidth = 6, Heads = 2, EmbedDropout = 0,
        };
        using var model = new LanguageModel(config, Device.Cpu, 4);
        model.ConvertTo(DType.Float64);
        using var ids = Tensor.FromArray(new[] { 1, 4, 0, 2, 3, 3 }, Shape.Of(1, 6), Device.Cpu);
        using var targets = Tensor.FromArray(new[] { 4, 0, 2, 3, 3, 1 }, Shape.Of(1, 6), Device.Cpu);
        var report = GradCheck.Run(v => LanguageModel.Loss(model.Forward(v[0]), v[1]), [ids, targets],
            model.Parameters().Where(p => p.Trainable).ToList());
        Assert.True(report.Passed, report.Detail);
    }
}

public sealed class RecomputeTests
{
    [Fact]
    public void RecomputingBlocksGivesTheSameGradientsBitForBitWithLessMemory()
    {
        var config = HyenaOperatorTests.Small(2) with { Layers = 3, Vocab = 13, EmbedDropout = 0.1, ResidDropout = 0.1, MaxLength = 64 };
        var tokens = RandomData.Ints(5, 2 * 64, 13);
        (Dictionary<string, float[]> Grads, long Peak) Run(bool recompute)
        {
            using var model = new LanguageModel(config with { RecomputeBlocks = recompute }, Device.Cpu, 3);
            using var ids = Tensor.FromArray(tokens, Shape.Of(2, 64), Device.Cpu);
            long start = Device.Cpu.LiveBytes;
            Device.Cpu.ResetPeak();
            using (var graph = new Graph(seed: 42))
            {
                var loss = LanguageModel.Loss(model.Forward(graph.Input(ids)), graph.Input(ids));
                graph.Backward(loss);
            }
            return (model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Grad!.ToFloatArray()), Device.Cpu.PeakBytes - start);
        }
        var (plain, plainPeak) = Run(false);
        var (recomputed, recomputedPeak) = Run(true);
        foreach (var (name, g) in plain) Assert.Equal(g, recomputed[name]);
        Assert.True(recomputedPeak < plainPeak, $"peak {recomputedPeak} bytes with recomputation, {plainPeak} without");
    }
}
