namespace HyenaIL.Autograd;

// Differentiable swap of two axes (a copy). Backward: the same swap of dy.
public static partial class Fn
{
    public static Var Transpose(Var x, int axis0, int axis1) =>
        Graph.Record("Transpose", Ops.Transpose(x.Value, axis0, axis1), [x],
            (_, dy) => x.AddGrad(Ops.Transpose(dy, axis0, axis1)));
}
