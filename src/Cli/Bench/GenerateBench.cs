using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary>Tokens per second of generation with a byte-level LM (width 256, 4 layers) at contexts of 1K and 8K:
/// every new token reruns the model on the whole context (the reference has no recurrent Hyena).</summary>
public static class GenerateBench
{
    public static IEnumerable<BenchCase> Run(Device device, IReadOnlyList<int> contexts, int tokens)
    {
        foreach (int context in contexts)
        {
            var config = new ModelConfig { Vocab = 256, Width = 256, Layers = 4, InnerWidth = 1024, MaxLength = context + tokens, PositionalDims = 33, SinFrequency = 14, EmbedDropout = 0 };
            using var model = new LanguageModel(config, device, 1);
            var rng = new SeededRandom(3);
            var prompt = Enumerable.Range(0, context).Select(_ => rng.Next(256)).ToList();
            _ = Generator.Generate(model, prompt, 1, 0.8, 0, 1).ToList(); // warm-up
            device.ResetPeak();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            _ = Generator.Generate(model, prompt, tokens, 0.8, 0, 1).ToList();
            device.Synchronize();
            double seconds = clock.Elapsed.TotalSeconds;
            yield return new BenchCase("generate byte LM 256x4", device.Name, 1, 256, context, seconds * 1000 / tokens, double.NaN,
                device.PeakBytes, tokens / seconds, $"{tokens} tokens after a {context}-token prompt; forward ms is per token");
        }
    }
}
