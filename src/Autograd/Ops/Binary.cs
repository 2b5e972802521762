namespace HyenaIL.Autograd;

// Differentiable broadcast arithmetic. Forward: src/Tensor/Ops/Binary.cs. Backward, with SumTo undoing the
// broadcast: d(a+b) = (dy, dy); d(a−b) = (dy, −dy); d(a·b) = (dy·b, dy·a); d(a/b) = (dy/b, −dy·a/b²).
public static partial class Fn
{
    public static Var Add(Var a, Var b) =>
        Graph.Record("Add", Ops.Add(a.Value, b.Value), [a, b], (_, dy) =>
        {
            if (a.RequiresGrad) a.AddGrad(Reduce(dy.Clone(), a.Shape));
            if (b.RequiresGrad) b.AddGrad(Reduce(dy.Clone(), b.Shape));
        });

    public static Var Sub(Var a, Var b) =>
        Graph.Record("Sub", Ops.Sub(a.Value, b.Value), [a, b], (_, dy) =>
        {
            if (a.RequiresGrad) a.AddGrad(Reduce(dy.Clone(), a.Shape));
            if (b.RequiresGrad) b.AddGrad(Reduce(Ops.Neg(dy), b.Shape));
        });

    public static Var Mul(Var a, Var b) =>
        Graph.Record("Mul", Ops.Mul(a.Value, b.Value), [a, b], (_, dy) =>
        {
            if (a.RequiresGrad) a.AddGrad(Reduce(Ops.Mul(dy, b.Value), a.Shape));
            if (b.RequiresGrad) b.AddGrad(Reduce(Ops.Mul(dy, a.Value), b.Shape));
        });

    public static Var Div(Var a, Var b) =>
        Graph.Record("Div", Ops.Div(a.Value, b.Value), [a, b], (y, dy) =>
        {
            if (a.RequiresGrad) a.AddGrad(Reduce(Ops.Div(dy, b.Value), a.Shape));
            if (b.RequiresGrad)
            {
                // d/db (a/b) = −a/b² = −y/b.
                using var q = Ops.Div(y.Value, b.Value);
                using var g = Ops.Mul(dy, q);
                b.AddGrad(Reduce(Ops.Neg(g), b.Shape));
            }
        });

    /// <summary>Sums a gradient of the broadcast shape down to an operand's shape; takes ownership of
    /// <paramref name="grad"/>.</summary>
    private static Tensor Reduce(Tensor grad, Shape shape)
    {
        if (grad.Shape == shape) return grad;
        using (grad) return Ops.SumTo(grad, shape);
    }
}
