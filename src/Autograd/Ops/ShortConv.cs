namespace HyenaIL.Autograd;

// Differentiable depthwise causal convolution with a short kernel (the Hyena short filter):
// y[b,c,t] = bias[c] + Σ_k w[c,k]·x[b,c,t−(K−1)+k]. Forward and backward math: src/Tensor/Ops/ShortConv.cs.
public static partial class Fn
{
    /// <param name="x">(B, C, L)</param>
    /// <param name="weight">(C, K), or PyTorch's Conv1d layout (C, 1, K)</param>
    /// <param name="bias">(C)</param>
    public static Var ShortConv(Var x, Var weight, Var bias)
    {
        Tensor Kernel() => weight.Shape.Rank == 3 && weight.Shape[1] == 1
            ? weight.Value.Reshape(weight.Shape[0], weight.Shape[2])
            : weight.Value.Reshape(weight.Shape);
        Tensor y;
        using (var w = Kernel()) y = Ops.ShortConv(x.Value, w, bias.Value);
        return Graph.Record("ShortConv", y, [x, weight, bias], (_, dy) =>
        {
            using var w = Kernel();
            var (dx, dw, db) = Ops.ShortConvBackward(x.Value, w, dy);
            x.AddGrad(dx);
            using (dw) weight.AddGrad(dw.Reshape(weight.Shape));
            bias.AddGrad(db);
        });
    }
}
