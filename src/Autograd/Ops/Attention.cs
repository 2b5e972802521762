namespace HyenaIL.Autograd;

// Causal scaled dot-product attention, composed from differentiable primitives:
//   o = softmax(q·kᵀ·scale, causal) · v,  q, k, v (B, H, L, Dh).
// Memory O(B·H·L²) for the scores.
public static partial class Fn
{
    public static Var CausalAttention(Var q, Var k, Var v, float scale)
    {
        var scores = Affine(Matmul(q, k, transB: true), scale, 0f);   // (B, H, L, L)
        return Matmul(Softmax(scores, causal: true), v);              // (B, H, L, Dh)
    }
}
