using HyenaIL.Autograd;
using HyenaIL.Layers;

namespace HyenaIL.Training;

/// <summary>
/// Samples tokens from a language model one at a time: each step runs the model on the context (the last l_max
/// tokens) and draws the next token from the softmax of the last position's logits divided by the temperature,
/// restricted to the top k (0: all) and to the real vocabulary (padding rows never drawn). Temperature 0 takes the
/// argmax. Hyena has no recurrent form in the reference, so every step reruns the whole context: O(L log L) each.
/// </summary>
public static class Generator
{
    public static IEnumerable<int> Generate(LanguageModel model, IReadOnlyList<int> prompt, int tokens, double temperature, int topK, ulong seed)
    {
        if (prompt.Count == 0) throw new ArgumentException("generation needs a prompt of at least one token");
        if (tokens < 0) throw new ArgumentOutOfRangeException(nameof(tokens), tokens, "the number of tokens must be at least 0");
        if (temperature < 0 || !double.IsFinite(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "the temperature must be at least 0");
        int vocab = model.Config.Vocab, lmax = model.Config.MaxLength;
        foreach (var t in prompt)
            if ((uint)t >= (uint)vocab) throw new ArgumentException($"prompt token {t} is outside the model's vocabulary of {vocab}");
        var context = prompt.ToList();
        var rng = new SeededRandom(seed);
        bool training = model.Training;
        model.Eval();
        try
        {
            for (int i = 0; i < tokens; i++)
            {
                var window = context.Skip(Math.Max(0, context.Count - lmax)).ToArray();
                using var ids = Tensor.FromArray(window, Shape.Of(1, window.Length), model.Device);
                float[] last;
                using (var graph = new Graph(recordGradients: false))
                {
                    var logits = model.Forward(graph.Input(ids));                                 // (1, L, V_pad)
                    using var row = Ops.Slice(logits.Value, 1, window.Length - 1, 1);
                    last = row.ToFloatArray();
                }
                int next = Sample(last.AsSpan(0, vocab), temperature, topK, rng);
                context.Add(next);
                yield return next;
            }
        }
        finally
        {
            model.Train(training);
        }
    }

    /// <summary>Draws an index from softmax(logits / temperature) over the top k logits.</summary>
    public static int Sample(ReadOnlySpan<float> logits, double temperature, int topK, SeededRandom rng)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++) if (logits[i] > logits[best]) best = i;
        if (temperature == 0) return best;
        var order = Enumerable.Range(0, logits.Length).ToArray();
        var copy = logits.ToArray();
        Array.Sort(order, (a, b) => copy[b].CompareTo(copy[a]));
        int k = topK > 0 ? Math.Min(topK, order.Length) : order.Length;
        var weights = new double[k];
        double total = 0;
        for (int i = 0; i < k; i++)
        {
            weights[i] = Math.Exp((copy[order[i]] - copy[best]) / temperature);
            total += weights[i];
        }
        double u = rng.NextDouble() * total;
        for (int i = 0; i < k; i++)
        {
            u -= weights[i];
            if (u < 0) return order[i];
        }
        return order[k - 1];
    }
}
