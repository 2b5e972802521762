namespace HyenaIL.Autograd;

// Differentiable embedding lookup y[s, :] = W[ids[s], :]. Backward: dW[v, :] = Σ_{s: ids[s] = v} dy[s, :]
// (scatter-add, src/Tensor/Ops/Embedding.cs). The ids are int32 and take no gradient.
public static partial class Fn
{
    /// <param name="weight">(V, D)</param>
    /// <param name="ids">int32 of any shape S, wrapped with graph.Input</param>
    /// <returns>(S..., D)</returns>
    public static Var Embedding(Var weight, Var ids) =>
        Graph.Record("Embedding", Ops.Embedding(weight.Value, ids.Value), [weight, ids],
            (_, dy) => weight.AddGrad(Ops.EmbeddingBackward(ids.Value, dy, weight.Shape[0])));
}
