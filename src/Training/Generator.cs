using HyenaIL.Autograd;
using HyenaIL.Layers;

namespace HyenaIL.Training;

/// <summary>
/// Samples tokens from a language model one at a time, drawing each from the softmax of the logits that predict it
/// divided by the temperature, restricted to the top k (0: all) and to the real vocabulary (padding rows never
/// drawn). Temperature 0 takes the argmax. A Hyena model decodes incrementally (<see cref="DecodeState"/>: the
/// prompt once, then O(D·t) per layer for each new token) until the context reaches l_max; from there, and for the
/// attention baseline throughout, each step reruns the model on the last l_max tokens.
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
        bool incremental = model.Config.Mixer == MixerKind.Hyena;
        DecodeState? state = null;
        bool training = model.Training;
        model.Eval();
        try
        {
            for (int i = 0; i < tokens; i++)
            {
                float[] last;
                if (incremental)
                {
                    state ??= model.StartDecoding(Window(context, lmax));
                    last = state.Logits;
                }
                else
                {
                    last = LastLogits(model, Window(context, lmax));
                }
                int next = Sample(last.AsSpan(0, vocab), temperature, topK, rng);
                context.Add(next);
                yield return next;
                if (state is null || i == tokens - 1) continue;
                if (state.Position < lmax)
                {
                    state.Append(next);
                }
                else
                {
                    state.Dispose();                 // full: the next step starts again from the last l_max tokens
                    state = null;
                }
            }
        }
        finally
        {
            state?.Dispose();
            model.Train(training);
        }
    }

    private static int[] Window(List<int> context, int lmax) => context.Skip(Math.Max(0, context.Count - lmax)).ToArray();

    /// <summary>The logits (V_pad) of the last position of a forward pass over <paramref name="window"/>.</summary>
    private static float[] LastLogits(LanguageModel model, int[] window)
    {
        using var ids = Tensor.FromArray(window, Shape.Of(1, window.Length), model.Device);
        using var graph = new Graph(recordGradients: false);
        var logits = model.Forward(graph.Input(ids));                                             // (1, L, V_pad)
        using var row = Ops.Slice(logits.Value, 1, window.Length - 1, 1);
        return row.ToFloatArray();
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
