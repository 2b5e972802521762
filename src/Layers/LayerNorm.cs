using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>Layer norm over the last axis with an affine transform: weight (D) = 1, bias (D) = 0 at
/// initialisation, eps 1e-5 (reference §3.2).</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(Device device, int width, float eps = 1e-5f) : base(device)
    {
        Eps = eps;
        Weight = Param("weight", Shape.Of(width), Init.Ones);
        Bias = Param("bias", Shape.Of(width), Init.Zeros);
    }

    public float Eps { get; }

    public Parameter Weight { get; }

    public Parameter Bias { get; }

    /// <param name="x">(..., D)</param>
    public Var Forward(Var x) => Fn.LayerNorm(x, Weight, Bias, Eps);
}
