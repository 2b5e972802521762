using HyenaIL.Autograd;
using HyenaIL.Layers;

namespace HyenaIL.Training;

/// <summary>Accuracy and held-out evaluation.</summary>
public static class Metrics
{
    /// <summary>How many scored targets (not <see cref="Batch.IgnoreIndex"/>) the argmax of <paramref name="logits"/>
    /// (B, L, V) predicts, and how many are scored.</summary>
    public static (long Correct, long Counted) Correct(Tensor logits, int[] targets)
    {
        using var predicted = Ops.ArgMax(logits, -1);
        var p = predicted.ToIntArray();
        long correct = 0, counted = 0;
        for (int i = 0; i < targets.Length; i++)
        {
            if (targets[i] == Batch.IgnoreIndex) continue;
            counted++;
            if (p[i] == targets[i]) correct++;
        }
        return (correct, counted);
    }

    /// <summary>Mean cross-entropy (nats per scored token) and accuracy over <paramref name="batches"/>, in a
    /// no-grad scope. The model's mode is left as it is (call <see cref="Module.Eval"/> first).</summary>
    public static EvalResult Evaluate(LanguageModel model, IEnumerable<Batch> batches)
    {
        double lossSum = 0;
        long correct = 0, counted = 0;
        foreach (var batch in batches)
        {
            using var ids = Tensor.FromArray(batch.Inputs, Shape.Of(batch.Size, batch.Length), model.Device);
            using var targets = Tensor.FromArray(batch.Targets, Shape.Of(batch.Size, batch.Length), model.Device);
            using var graph = new Graph(recordGradients: false);
            var logits = model.Forward(graph.Input(ids));
            var loss = LanguageModel.Loss(logits, graph.Input(targets));
            var (c, n) = Correct(logits.Value, batch.Targets);
            lossSum += loss.Value.Item() * n;
            correct += c;
            counted += n;
        }
        if (counted == 0) throw new ArgumentException("evaluation: the held-out set has no scored tokens");
        return new EvalResult(lossSum / counted, (double)correct / counted, counted);
    }
}
