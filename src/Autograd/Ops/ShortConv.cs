namespace HyenaIL.Autograd;

// Differentiable depthwise causal convolution with a short kernel (the Hyena short filter):
// y[b,c,t] = bias[c] + Σ_k w[c,k]·x[b,c,t−(K−1)+k]. Forward and backward math: src/Tensor/Ops/ShortConv.cs.
public static partial class Fn
{
    /// <param name="x">(B, C, L)</param>
    /// <param name="weight">(C, K)</param>
    /// <param name="bias">(C)</param>
    public static Var ShortConv(Var x, Var weight, Var bias) =>
        Graph.Record("ShortConv", Ops.ShortConv(x.Value, weight.Value, bias.Value), [x, weight, bias], (_, dy) =>
        {
            var (dx, dw, db) = Ops.ShortConvBackward(x.Value, weight.Value, dy);
            x.AddGrad(dx);
            weight.AddGrad(dw);
            bias.AddGrad(db);
        });
}
