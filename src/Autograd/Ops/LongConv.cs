using HyenaIL.Fft;
using FftLongConv = HyenaIL.Fft.LongConv;

namespace HyenaIL.Autograd;

// Differentiable causal long convolution of the Hyena operator (reference §1.5), per channel:
//   y = k ∗ u + D ⊙ u,  (k ∗ u)[t] = Σ_{j ≤ t} k[j]·u[t − j],  u (B, C, L), k (C, L) shared by the batch, D (C).
// Backward: du = k ⋆ dy + D ⊙ dy (anti-causal correlation), dk = Σ_b dy ⋆ u, dD = Σ_{b,t} dy ⊙ u.
// The raw math is HyenaIL.Fft.LongConv: the direct sum below its measured crossover length, the FFT from it on
// (LongConv.Method(L) says which). On the FFT path the filter's spectrum is computed once in the forward and
// saved for the backward.
public static partial class Fn
{
    /// <param name="u">(B, C, L)</param>
    /// <param name="k">(C, L)</param>
    /// <param name="d">(C)</param>
    /// <returns>(B, C, L)</returns>
    public static Var LongConv(Var u, Var k, Var d)
    {
        bool fft = u.Value.Rank == 3 && FftLongConv.Method(u.Value.Shape[2]) == LongConvMethod.Fft;
        if (!fft)
            return Graph.Record("LongConv", FftLongConv.Forward(u.Value, k.Value, d.Value, LongConvMethod.Direct), [u, k, d], (_, dy) =>
                Accumulate(u, k, d, FftLongConv.Backward(u.Value, k.Value, d.Value, dy, LongConvMethod.Direct)));
        var filter = FftLongConv.PrepareFilter(k.Value);
        Tensor y;
        try
        {
            y = FftLongConv.Forward(u.Value, filter, d.Value);
        }
        catch
        {
            filter.Dispose();
            throw;
        }
        // The graph owns the spectrum (a saved tensor): it is freed with the graph, or at once when nothing records.
        return Graph.Record("LongConv", y, [u, k, d], (_, dy) =>
            Accumulate(u, k, d, FftLongConv.Backward(u.Value, filter, d.Value, dy)), filter.Spectrum);
    }

    private static void Accumulate(Var u, Var k, Var d, (Tensor DU, Tensor DK, Tensor DD) grads)
    {
        u.AddGrad(grads.DU);
        k.AddGrad(grads.DK);
        d.AddGrad(grads.DD);
    }
}
