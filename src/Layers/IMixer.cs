using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>A block's sequence mixer: the Hyena operator or causal self-attention. Causal: output position t
/// depends on input positions ≤ t only.</summary>
public interface IMixer
{
    /// <param name="x">(B, L, D)</param>
    /// <returns>(B, L, D)</returns>
    Var Forward(Var x);
}
