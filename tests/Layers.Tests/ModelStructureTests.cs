using HyenaIL.Layers;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>Parameter counts, names and deterministic features against the reference's published values.</summary>
public sealed class ModelStructureTests
{
    [Fact]
    public void TheSynthetic131kConfigurationHas129408TrainedParameters()
    {
        using var model = new LanguageModel(ModelConfig.Synthetic131k, Device.Cpu, 1);
        Assert.Equal(129_408, model.ParameterCount());
    }

    [Fact]
    public void ThePile153MConfigurationHas153700416ParametersCountingTheTiedHeadOnce()
    {
        using var model = new LanguageModel(ModelConfig.Pile153M with { EmbedDropout = 0 }, Device.Cpu, 1);
        Assert.Equal(153_700_416, model.ParameterCount());
        Assert.Equal(50264, model.Config.PaddedVocab);
    }

    [Fact]
    public void StateDictNamesAndShapesFollowTheReference()
    {
        var config = ModelConfig.Synthetic131k with { MaxLength = 20 };
        using var model = new LanguageModel(config, Device.Cpu, 1);
        var entries = model.StateEntries().ToDictionary(e => e.Name, e => e.Tensor.Shape.ToString());
        string m = "backbone.layers.1.mixer.";
        var expected = new Dictionary<string, string>
        {
            ["backbone.embeddings.word_embeddings.weight"] = "(30, 64)",
            [m + "in_proj.weight"] = "(192, 64)", [m + "in_proj.bias"] = "(192,)",
            [m + "out_proj.weight"] = "(64, 64)", [m + "out_proj.bias"] = "(64,)",
            [m + "short_filter.weight"] = "(192, 1, 3)", [m + "short_filter.bias"] = "(192,)",
            [m + "filter_fn.bias"] = "(64,)",
            [m + "filter_fn.pos_emb.z"] = "(1, 20, 5)", [m + "filter_fn.pos_emb.t"] = "(1, 20, 1)",
            [m + "filter_fn.implicit_filter.0.weight"] = "(64, 5)", [m + "filter_fn.implicit_filter.0.bias"] = "(64,)",
            [m + "filter_fn.implicit_filter.1.freq"] = "(1, 64)", [m + "filter_fn.implicit_filter.3.freq"] = "(1, 64)",
            [m + "filter_fn.implicit_filter.5.freq"] = "(1, 64)",
            [m + "filter_fn.implicit_filter.2.weight"] = "(64, 64)", [m + "filter_fn.implicit_filter.2.bias"] = "(64,)",
            [m + "filter_fn.implicit_filter.4.weight"] = "(64, 64)", [m + "filter_fn.implicit_filter.4.bias"] = "(64,)",
            [m + "filter_fn.implicit_filter.6.weight"] = "(64, 64)",
            [m + "filter_fn.modulation.deltas"] = "(1, 1, 64)",
            ["backbone.layers.1.norm1.weight"] = "(64,)", ["backbone.layers.1.norm2.bias"] = "(64,)",
            ["backbone.layers.1.mlp.fc1.weight"] = "(256, 64)", ["backbone.layers.1.mlp.fc1.bias"] = "(256,)",
            ["backbone.layers.1.mlp.fc2.weight"] = "(64, 256)", ["backbone.layers.1.mlp.fc2.bias"] = "(64,)",
            ["backbone.ln_f.weight"] = "(64,)", ["backbone.ln_f.bias"] = "(64,)",
            ["lm_head.weight"] = "(30, 64)",
        };
        foreach (var (name, shape) in expected)
        {
            Assert.True(entries.ContainsKey(name), $"missing {name}");
            Assert.Equal(shape, entries[name]);
        }
        Assert.DoesNotContain(entries.Keys, k => k.Contains("implicit_filter.6.bias"));
        Assert.Equal(2 * 28 + 4, entries.Count); // 28 names per layer; embeddings, ln_f × 2, lm_head
    }

    [Fact]
    public void TheSharedSinFrequencyAndTheTiedHeadAreOneTensorEach()
    {
        using var model = new LanguageModel(ModelConfig.Synthetic131k with { MaxLength = 8 }, Device.Cpu, 1);
        var entries = model.StateEntries().ToDictionary(e => e.Name, e => e.Tensor);
        string f = "backbone.layers.0.mixer.filter_fn.implicit_filter.";
        Assert.Same(entries[f + "1.freq"], entries[f + "3.freq"]);
        Assert.Same(entries[f + "1.freq"], entries[f + "5.freq"]);
        Assert.Same(entries["lm_head.weight"], entries["backbone.embeddings.word_embeddings.weight"]);
        Assert.All(entries[f + "1.freq"].ToFloatArray(), v => Assert.Equal(10f, v));
    }

    [Fact]
    public void PositionalFeaturesMatchTheReferenceSanityValues()
    {
        // reference §2.1, l_max = 8, E = 5
        var (z, t) = PositionalEmbedding.Features(5, 8);
        double[] z1 = [0.142857, 1.0, 0.707107, -7.9e-5, -0.707107];
        double[] z7 = [1.0, 1.0, 0.707107, -5.5e-4, 0.707107];
        for (int i = 0; i < 5; i++)
        {
            Assert.True(Math.Abs(z[5 + i] - z1[i]) < 1e-5, $"z[1][{i}] = {z[5 + i]}, expected {z1[i]}");
            Assert.True(Math.Abs(z[35 + i] - z7[i]) < 1e-5, $"z[7][{i}] = {z[35 + i]}, expected {z7[i]}");
        }
        Assert.Equal(1f / 7, t[1], 6);
        Assert.Equal(1f, t[7]);
    }

    [Fact]
    public void DecayRatesAndWindowMatchTheReference()
    {
        // reference §2.3: C = 4 deltas; C = 6 decay at t = 1.
        using var four = new ExponentialModulation(Device.Cpu, 4);
        double[] deltas = [-3.070113, -7.163598, -11.257082, -15.350567];
        var got = four.Deltas.Value.ToFloatArray();
        for (int c = 0; c < 4; c++) Assert.True(Math.Abs(got[c] - deltas[c]) < 1e-5, $"delta[{c}] = {got[c]}, expected {deltas[c]}");
        using var six = new ExponentialModulation(Device.Cpu, 6);
        using var t = Tensor.FromArray(new[] { 0f, 1f, 0.5f }, Shape.Of(1, 3, 1), Device.Cpu);
        using var window = six.Window(new BufferSlot(t), 2);
        Assert.Equal(Shape.Of(2, 6), window.Shape);
        double[] atOne = [0.046416, 3.981e-3, 3.415e-4, 2.929e-5, 2.512e-6, 2.154e-7];
        var w = window.ToFloatArray();
        for (int c = 0; c < 6; c++)
            Assert.True(Math.Abs(w[6 + c] - atOne[c]) <= 1e-3 * atOne[c], $"window at t=1, channel {c}: {w[6 + c]}, expected {atOne[c]}");
        // t = 0: exp(0) = 1 exactly (the window is computed in float64 and rounded once).
        Assert.All(w.Take(6), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void InitialisationFollowsGpt2Scaling()
    {
        using var model = new LanguageModel(ModelConfig.Synthetic131k with { MaxLength = 8 }, Device.Cpu, 3);
        var entries = model.StateEntries().ToDictionary(e => e.Name, e => e.Tensor.ToDoubleArray());
        static double Std(double[] x) => Math.Sqrt(x.Select(v => v * v).Average());
        // out_proj and fc2 at 0.02/√(2·2) = 0.01; other Linear weights and the embedding at 0.02; D ~ N(0, 1).
        Assert.InRange(Std(entries["backbone.layers.0.mixer.out_proj.weight"]), 0.009, 0.011);
        Assert.InRange(Std(entries["backbone.layers.0.mlp.fc2.weight"]), 0.009, 0.011);
        Assert.InRange(Std(entries["backbone.layers.0.mlp.fc1.weight"]), 0.018, 0.022);
        Assert.InRange(Std(entries["backbone.layers.0.mixer.filter_fn.implicit_filter.2.weight"]), 0.018, 0.022);
        Assert.InRange(Std(entries["backbone.embeddings.word_embeddings.weight"]), 0.018, 0.022);
        Assert.InRange(Std(entries["backbone.layers.0.mixer.filter_fn.bias"]), 0.75, 1.25);
        Assert.All(entries["backbone.layers.0.mixer.in_proj.bias"], v => Assert.Equal(0, v));
        double bound = 1 / Math.Sqrt(3);
        Assert.All(entries["backbone.layers.0.mixer.short_filter.weight"], v => Assert.InRange(v, -bound, bound));
        Assert.True(entries["backbone.layers.0.mixer.short_filter.weight"].Max(Math.Abs) > 0.8 * bound);
    }
}
