using HyenaIL.Autograd;
using HyenaIL.Layers;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public abstract class DecodingTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    // l_max 64 > LongConv.DirectCrossover, so the full forward passes compared against use the FFT from L = 48 on.
    private static ModelConfig Config(int order) => HyenaOperatorTests.Small(order) with
    {
        Layers = 2, Vocab = 13, MaxLength = 64, EmbedDropout = 0.1, ResidDropout = 0.1, MixerDropout = 0.1,
    };

    /// <summary>A model whose mixers matter: GPT-2 initialisation (std 0.02) leaves the logits almost a function of
    /// the last token alone, so a wrong convolution would move them by little; weights of std 0.4 make every
    /// position's contribution visible.</summary>
    private static LanguageModel Model(ModelConfig config, Device device)
    {
        var model = new LanguageModel(config, device, 4);
        foreach (var (name, p) in model.NamedParameters())
            if (p.Value.Rank == 2 && name.EndsWith(".weight", StringComparison.Ordinal) && !name.Contains("implicit_filter", StringComparison.Ordinal))
                Init.Normal(0.4).Apply(p.Value, 11 + (ulong)name.Length);
        return model;
    }

    /// <summary>Logits (L, V_pad) of one full forward pass over <paramref name="tokens"/>: row t − 1 is what a pass
    /// over the first t tokens gives (the LM is causal; LanguageModelTests hold it to that).</summary>
    private float[] FullLogits(LanguageModel model, IReadOnlyList<int> tokens)
    {
        using var ids = Upload(tokens.ToArray(), 1, tokens.Count);
        using var graph = new Graph(recordGradients: false);
        return model.Forward(graph.Input(ids)).Value.ToFloatArray();
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(2, 50)]
    [InlineData(3, 1)]
    [InlineData(3, 37)]
    public void EachStepGivesTheLogitsOfAFullForwardPassOverTheContext(int order, int promptLength)
    {
        using var model = Model(Config(order), Device);
        model.Eval();
        var tokens = RandomData.Ints(order * 100 + promptLength, model.Config.MaxLength, 13).ToList();
        var full = FullLogits(model, tokens);
        int v = model.Config.PaddedVocab;
        using var state = model.StartDecoding(tokens.Take(promptLength).ToList());
        double worst = 0;
        for (int t = promptLength; ; t++)
        {
            Assert.Equal(t, state.Position);
            var expected = full.AsSpan((t - 1) * v, v).ToArray();
            double scale = expected.Max(Math.Abs);
            for (int i = 0; i < v; i++)
                worst = Math.Max(worst, Math.Abs(state.Logits[i] - expected[i]) / scale);
            if (t == model.Config.MaxLength) break;
            state.Append(tokens[t]);
        }
        Assert.True(worst <= 1e-5, $"order {order}, prompt {promptLength}: incremental logits differ from the full pass by {worst:E2} of max |logit|");
    }

    [Fact]
    public void TheModelsTrainingModeIsKeptAndDropoutIsOffWhileDecoding()
    {
        using var model = Model(Config(2), Device);
        var prompt = RandomData.Ints(3, 10, 13);
        model.Eval();
        int v = model.Config.PaddedVocab;
        var expected = FullLogits(model, prompt).AsSpan((prompt.Length - 1) * v, v).ToArray();
        model.Train(true);
        using var state = model.StartDecoding(prompt);
        Assert.True(model.Training);
        double scale = expected.Max(Math.Abs);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(state.Logits[i] - expected[i]) <= 2e-5 * scale, $"logit {i}");
    }

    [Fact]
    public void BadUseGetsClearErrorsAndNoBufferOutlivesTheState()
    {
        using var model = Model(Config(2), Device);
        long before = Device.LiveBytes;
        var state = model.StartDecoding(RandomData.Ints(1, 63, 13));
        state.Append(5);
        var full = Assert.Throws<InvalidOperationException>(() => state.Append(5));
        Assert.Contains("l_max", full.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.StartDecoding([1, 13]));
        Assert.Throws<ArgumentException>(() => model.StartDecoding([]));
        Assert.Contains("l_max", Assert.Throws<ArgumentException>(() => model.StartDecoding(new int[65])).Message);
        state.Dispose();
        Assert.Throws<ObjectDisposedException>(() => state.Append(1));
        Assert.Equal(before, Device.LiveBytes);

        using var attention = new LanguageModel(Config(2) with { Mixer = MixerKind.Attention, Heads = 2 }, Device, 4);
        Assert.Contains("Hyena", Assert.Throws<NotSupportedException>(() => attention.StartDecoding([1, 2])).Message);
    }
}

public sealed class DecodingTestsCpu(DeviceFixture f) : DecodingTests(f, "cpu");

public sealed class DecodingTestsIlgpuCpu(DeviceFixture f) : DecodingTests(f, "ilgpu-cpu");

public sealed class DecodingTestsCuda(DeviceFixture f) : DecodingTests(f, "cuda");
