namespace HyenaIL.Autograd;

// Differentiable softmax and log-softmax over the last axis, with an optional causal mask.
// Forward and backward math: src/Tensor/Ops/Softmax.cs (dx = y·(dy − Σ dy·y); dx = dy − eʸ·Σ dy).
public static partial class Fn
{
    public static Var Softmax(Var x, bool causal = false) =>
        Graph.Record("Softmax", Ops.Softmax(x.Value, causal), [x],
            (y, dy) => x.AddGrad(Ops.SoftmaxBackward(y.Value, dy)));

    public static Var LogSoftmax(Var x, bool causal = false) =>
        Graph.Record("LogSoftmax", Ops.LogSoftmax(x.Value, causal), [x],
            (y, dy) => x.AddGrad(Ops.LogSoftmaxBackward(y.Value, dy, causal)));
}
