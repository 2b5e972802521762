using HyenaIL.Autograd;
using HyenaIL.Layers;
using HyenaIL.Training;
using Xunit;

namespace HyenaIL.Tests;

public sealed class GeneratorTests
{
    private static ModelConfig Config(MixerKind mixer) => new()
    {
        Vocab = 11, Width = 8, Layers = 2, InnerWidth = 16, MaxLength = 24, PositionalDims = 5, FilterWidth = 8,
        SinFrequency = 10, Mixer = mixer, Heads = 2, EmbedDropout = 0.1,
    };

    /// <summary>Sampling written plainly: a full forward pass over the last l_max tokens for every token, and the
    /// generator's own sampler on its logits with the same seed.</summary>
    private static List<int> Plain(LanguageModel model, List<int> prompt, int tokens, ulong seed)
    {
        var context = prompt.ToList();
        var rng = new SeededRandom(seed);
        int v = model.Config.PaddedVocab, lmax = model.Config.MaxLength;
        for (int i = 0; i < tokens; i++)
        {
            var window = context.Skip(Math.Max(0, context.Count - lmax)).ToArray();
            using var ids = Tensor.FromArray(window, Shape.Of(1, window.Length), Device.Cpu);
            using var graph = new Graph(recordGradients: false);
            var logits = model.Forward(graph.Input(ids)).Value.ToFloatArray().AsSpan((window.Length - 1) * v, model.Config.Vocab);
            context.Add(Generator.Sample(logits, 1.0, 0, rng));
        }
        return context.Skip(prompt.Count).ToList();
    }

    [Theory]
    [InlineData(MixerKind.Hyena)]
    [InlineData(MixerKind.Attention)]
    public void GenerationPastLmaxDrawsWhatAFullPassPerTokenDraws(MixerKind mixer)
    {
        using var model = new LanguageModel(Config(mixer), Device.Cpu, 3);
        model.Train(true);
        var prompt = new List<int> { 1, 4, 4, 7, 2, 9, 0, 3, 5, 5, 8, 1, 6, 2, 10, 3, 3, 7, 9, 0 };
        var generated = Generator.Generate(model, prompt, 12, temperature: 1, topK: 0, seed: 5).ToList();   // crosses l_max = 24
        Assert.True(model.Training, "the generator must restore the model's training mode");
        model.Eval();
        Assert.Equal(Plain(model, prompt, 12, 5), generated);
        Assert.True(generated.Distinct().Count() > 1, "a constant output would not show that the context is used");
    }
}
