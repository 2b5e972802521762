namespace HyenaIL.Autograd;

// Differentiable mean cross-entropy over the rows whose target is not ignoreIndex.
// loss = mean_n (logsumexp(logits_n) − logits_n[target_n]); dlogits = (softmax − onehot)·dloss/count
// (src/Tensor/Ops/CrossEntropy.cs). The forward's logsumexp and count are saved for backward.
public static partial class Fn
{
    /// <param name="logits">(N, V)</param>
    /// <param name="targets">int32 (N), wrapped with graph.Input</param>
    /// <returns>shape ()</returns>
    public static Var CrossEntropy(Var logits, Var targets, int ignoreIndex = -100)
    {
        var r = Ops.CrossEntropy(logits.Value, targets.Value, ignoreIndex);
        Tensor lse = r.LogSumExp, count = r.Count;
        return Graph.Record("CrossEntropy", r.Loss, [logits, targets], (_, dy) =>
            logits.AddGrad(Ops.CrossEntropyBackward(logits.Value, targets.Value, lse, count, dy, ignoreIndex)),
            lse, count);
    }
}
