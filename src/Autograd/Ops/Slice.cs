namespace HyenaIL.Autograd;

// Differentiable slice [start, start + length) along an axis. Backward: dy placed back at that range, zeros
// elsewhere (src/Tensor/Ops/Slice.cs).
public static partial class Fn
{
    public static Var Slice(Var x, int axis, int start, int length)
    {
        var shape = x.Shape;
        return Graph.Record("Slice", Ops.Slice(x.Value, axis, start, length), [x],
            (_, dy) => x.AddGrad(Ops.SliceBackward(dy, shape, axis, start)));
    }
}
