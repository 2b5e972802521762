namespace HyenaIL.Autograd;

// Causal scaled dot-product attention o = softmax(q·kᵀ·scale, causal)·v, q, k, v (B, H, L, Dh), computed in
// blocks of queries with memory O(L·block) (src/Tensor/Ops/Attention.cs); backward recomputes the probabilities.
public static partial class Fn
{
    /// <param name="blockSize">Queries per block (0: sized to bound memory).</param>
    public static Var CausalAttention(Var q, Var k, Var v, float scale, int blockSize = 0) =>
        Graph.Record("CausalAttention", Ops.CausalAttention(q.Value, k.Value, v.Value, scale, blockSize), [q, k, v], (_, dy) =>
        {
            var (dq, dk, dv) = Ops.CausalAttentionBackward(q.Value, k.Value, v.Value, scale, dy, blockSize);
            q.AddGrad(dq);
            k.AddGrad(dk);
            v.AddGrad(dv);
        });
}
