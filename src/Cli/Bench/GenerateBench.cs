using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary>Tokens per second of generation with a byte-level Hyena LM (width 256, 4 layers) after prompts of 1K and
/// 8K tokens, through <see cref="Generator"/> as <c>hyena generate</c> runs it: the prompt once (prefill), then one
/// incremental step per token (<see cref="DecodeState"/>). Reported: milliseconds per generated token, with the
/// prefill time in the note.</summary>
public static class GenerateBench
{
    public static IEnumerable<BenchCase> Run(Device device, IReadOnlyList<int> contexts, int tokens)
    {
        foreach (int context in contexts)
        {
            var config = new ModelConfig { Vocab = 256, Width = 256, Layers = 4, InnerWidth = 1024, MaxLength = context + tokens + 1, PositionalDims = 33, SinFrequency = 14, EmbedDropout = 0 };
            using var model = new LanguageModel(config, device, 1);
            var rng = new SeededRandom(3);
            var prompt = Enumerable.Range(0, context).Select(_ => rng.Next(256)).ToList();
            double Seconds(int n)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                _ = Generator.Generate(model, prompt, n, 0.8, 0, 1).ToList();
                device.Synchronize();
                return clock.Elapsed.TotalSeconds;
            }
            Seconds(Math.Min(tokens, 8) + 1);                                  // warm-up: JIT and the buffer pool
            device.ResetPeak();
            double prefill = Seconds(1);                                       // the prompt, and the first token
            double all = Seconds(tokens + 1);
            double perToken = Math.Max(all - prefill, 0) / tokens;
            yield return new BenchCase("generate byte LM 256x4", device.Name, 1, 256, context, perToken * 1000, double.NaN,
                device.PeakBytes, 1 / perToken, $"{tokens} tokens after a {context}-token prompt; fwd ms per token; prefill {prefill * 1000:F0} ms");
        }
    }
}
