namespace HyenaIL.Autograd;

// Differentiable causal long convolution of the Hyena operator (reference §1.5), per channel:
//   y = k ∗ u + D ⊙ u,  (k ∗ u)[t] = Σ_{j ≤ t} k[j]·u[t − j],  u (B, C, L), k (C, L) shared by the batch, D (C).
// Backward: du = k ⋆ dy + D ⊙ dy (anti-causal correlation), dk = Σ_b dy ⋆ u, dD = Σ_{b,t} dy ⊙ u.
public static partial class Fn
{
    /// <param name="u">(B, C, L)</param>
    /// <param name="k">(C, L)</param>
    /// <param name="d">(C)</param>
    /// <returns>(B, C, L)</returns>
    public static Var LongConv(Var u, Var k, Var d) =>
        Graph.Record("LongConv", Ops.CausalConvDirect(u.Value, k.Value, d.Value), [u, k, d], (_, dy) =>
        {
            var (du, dk, dd) = Ops.CausalConvDirectBackward(u.Value, k.Value, d.Value, dy);
            u.AddGrad(du);
            k.AddGrad(dk);
            d.AddGrad(dd);
        });
}
