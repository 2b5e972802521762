using HyenaIL.Autograd;
using HyenaIL.Layers;

namespace HyenaIL.Cli;

/// <summary>
/// The Hyena operator (order 2) against causal multi-head attention of the same width, forward and
/// forward+backward, over sequence lengths. Attention is skipped from the first length whose estimated memory
/// exceeds the budget or whose previous fwd+bwd took longer than the time limit; the report says so.
/// </summary>
public static class OperatorBench
{
    /// <param name="hyena">Time the Hyena operator.</param>
    /// <param name="attention">Time attention (until the memory budget or the time limit stops it).</param>
    public static IEnumerable<BenchCase> Run(Device device, int batch, int width, int heads, IReadOnlyList<int> lengths,
        int repeats, double attentionLimitSeconds, long memoryBudget, bool hyena = true, bool attention = true)
    {
        string? why = null;
        bool attentionWanted = attention;
        foreach (int l in lengths)
        {
            var config = new ModelConfig { Width = width, Heads = heads, MaxLength = l, Layers = 1, EmbedDropout = 0, InnerWidth = width };
            if (hyena) yield return Measure(device, "hyena operator", new HyenaOperator(device, config, 0), batch, width, l, repeats);
            if (!attentionWanted) continue;
            if (attention)
            {
                long need = AttentionBytes(batch, heads, width, l);
                if (need > memoryBudget) { attention = false; why = $"needs ~{need >> 20} MiB > budget {memoryBudget >> 20} MiB"; }
            }
            if (!attention)
            {
                yield return new BenchCase("attention", device.Name, batch, width, l, double.NaN, double.NaN, 0, Note: "skipped: " + why);
                continue;
            }
            var result = Measure(device, "attention", new CausalSelfAttention(device, config), batch, width, l, repeats);
            if (result.ForwardBackwardMs / 1000 > attentionLimitSeconds)
            {
                attention = false;
                why = $"fwd+bwd took {result.ForwardBackwardMs / 1000:F0} s at L = {l}, over the {attentionLimitSeconds:F0} s limit";
            }
            yield return result;
        }
    }

    /// <summary>Activations of blocked attention: q, k, v, output and their gradients, plus one block of scores.</summary>
    public static long AttentionBytes(int batch, int heads, int width, int l) =>
        4L * (12L * batch * l * width + 4L * Ops.AttentionBlockElements);

    private static BenchCase Measure(Device device, string name, Module module, int batch, int width, int l, int repeats)
    {
        using var _ = module;
        module.Initialize(1);
        var mixer = (IMixer)module;
        using var x = Ops.RandomNormal(Shape.Of(batch, l, width), device, 7);
        using var seed = Ops.RandomNormal(Shape.Of(batch, l, width), device, 8);
        void Forward()
        {
            using var g = new Graph(recordGradients: false);
            mixer.Forward(g.Input(x));
        }
        void ForwardBackward()
        {
            using var g = new Graph();
            var y = mixer.Forward(g.Input(x, requiresGrad: true));
            g.Backward(y, seed);
            module.ZeroGrad();
        }
        int warm = l >= 16384 ? 1 : 2, reps = l >= 16384 ? Math.Min(repeats, 3) : repeats;
        // Warm both paths before timing either: the first runs pay for JIT tiering and for the pool's first
        // allocations, which would otherwise land in the forward figure (measured first) and inflate it.
        // (Past 16K one run takes seconds; the warm-up inside each median is enough there.)
        if (l < 16384) Timing.Median(device, ForwardBackward, warm, 1, 60);
        double fwd = Timing.Median(device, Forward, warm, reps, 60);
        device.ResetPeak();
        double both = Timing.Median(device, ForwardBackward, warm, reps, 60);
        return new BenchCase(name, device.Name, batch, width, l, fwd, both, device.PeakBytes, batch * l / (both / 1000));
    }
}
