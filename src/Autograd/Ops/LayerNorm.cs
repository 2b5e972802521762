namespace HyenaIL.Autograd;

// Differentiable layer norm over the last axis: y = (x − μ)·rstd·γ + β, rstd = 1/√(σ² + eps).
// Forward and backward math: src/Tensor/Ops/LayerNorm.cs. The forward's μ and rstd are saved for backward.
public static partial class Fn
{
    public static Var LayerNorm(Var x, Var gamma, Var beta, float eps = 1e-5f)
    {
        var r = Ops.LayerNorm(x.Value, gamma.Value, beta.Value, eps);
        Tensor mean = r.Mean, rstd = r.Rstd;
        return Graph.Record("LayerNorm", r.Y, [x, gamma, beta], (_, dy) =>
        {
            var (dx, dGamma, dBeta) = Ops.LayerNormBackward(x.Value, gamma.Value, mean, rstd, dy);
            x.AddGrad(dx);
            gamma.AddGrad(dGamma);
            beta.AddGrad(dBeta);
        }, mean, rstd);
    }
}
