namespace HyenaIL.Autograd;

// Differentiable elementwise functions. Forward and backward math: src/Tensor/Ops/Unary.cs
// (dx = dy · f'(x), with f' taken from x or from the saved output y).
public static partial class Fn
{
    public static Var Neg(Var x) => Unary(UnaryOp.Neg, x);

    public static Var Exp(Var x) => Unary(UnaryOp.Exp, x);

    public static Var Log(Var x) => Unary(UnaryOp.Log, x);

    public static Var Sin(Var x) => Unary(UnaryOp.Sin, x);

    public static Var Cos(Var x) => Unary(UnaryOp.Cos, x);

    public static Var Tanh(Var x) => Unary(UnaryOp.Tanh, x);

    public static Var Sqrt(Var x) => Unary(UnaryOp.Sqrt, x);

    public static Var Square(Var x) => Unary(UnaryOp.Square, x);

    /// <summary>GELU, tanh approximation (the reference MLP's activation).</summary>
    public static Var Gelu(Var x) => Unary(UnaryOp.Gelu, x);

    public static Var Unary(UnaryOp op, Var x) =>
        Graph.Record(op.ToString(), Ops.Unary(op, x.Value), [x],
            (y, dy) => x.AddGrad(Ops.UnaryBackward(op, x.Value, y.Value, dy)));

    /// <summary>scale · x + shift. Backward: dx = scale · dy.</summary>
    public static Var Affine(Var x, float scale, float shift) =>
        Graph.Record("Affine", Ops.Affine(x.Value, scale, shift), [x],
            (_, dy) => x.AddGrad(Ops.MulScalar(dy, scale)));
}
