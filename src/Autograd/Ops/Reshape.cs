namespace HyenaIL.Autograd;

// Reshape: the same elements under another shape (shares the buffer). Backward: dy reshaped back.
public static partial class Fn
{
    public static Var Reshape(Var x, params int[] dims)
    {
        var inputShape = x.Shape;
        return Graph.Record("Reshape", x.Value.Reshape(dims), [x],
            (_, dy) => x.AddGrad(dy.Reshape(inputShape)));
    }
}
