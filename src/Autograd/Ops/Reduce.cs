namespace HyenaIL.Autograd;

// Differentiable sums and means. Forward: src/Tensor/Ops/Reduce.cs.
// Backward: every input element that was summed receives dy (÷ n for the mean): dx = broadcast(dy) to x's shape.
public static partial class Fn
{
    /// <summary>Sum over all elements, a scalar of shape ().</summary>
    public static Var Sum(Var x) =>
        Graph.Record("Sum", Ops.Sum(x.Value), [x], (_, dy) => x.AddGrad(Ops.BroadcastTo(dy, x.Shape)));

    /// <summary>Mean over all elements, a scalar of shape ().</summary>
    public static Var Mean(Var x) =>
        Graph.Record("Mean", Ops.Mean(x.Value), [x], (_, dy) =>
        {
            using var scaled = Ops.MulScalar(dy, 1f / x.Shape.Size);
            x.AddGrad(Ops.BroadcastTo(scaled, x.Shape));
        });

    /// <summary>Sum over <paramref name="axis"/>.</summary>
    public static Var Sum(Var x, int axis, bool keepDims = false)
    {
        int a = x.Shape.NormalizeAxis(axis);
        return Graph.Record("Sum", Ops.Sum(x.Value, a, keepDims), [x], (_, dy) =>
        {
            using var kept = dy.Reshape(x.Shape.With(a, 1));
            x.AddGrad(Ops.BroadcastTo(kept, x.Shape));
        });
    }

    /// <summary>Mean over <paramref name="axis"/>.</summary>
    public static Var Mean(Var x, int axis, bool keepDims = false)
    {
        int a = x.Shape.NormalizeAxis(axis);
        return Graph.Record("Mean", Ops.Mean(x.Value, a, keepDims), [x], (_, dy) =>
        {
            using var kept = dy.Reshape(x.Shape.With(a, 1));
            using var scaled = Ops.MulScalar(kept, 1f / x.Shape[a]);
            x.AddGrad(Ops.BroadcastTo(scaled, x.Shape));
        });
    }
}
