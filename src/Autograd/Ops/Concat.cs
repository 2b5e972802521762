namespace HyenaIL.Autograd;

// Differentiable concatenation and split along an axis; each is the other's backward (src/Tensor/Ops/Concat.cs).
public static partial class Fn
{
    public static Var Concat(IReadOnlyList<Var> xs, int axis)
    {
        int a = xs[0].Shape.NormalizeAxis(axis);
        var sizes = xs.Select(x => x.Shape[a]).ToArray();
        return Graph.Record("Concat", Ops.Concat(xs.Select(x => x.Value).ToList(), a), [.. xs], (_, dy) =>
        {
            var parts = Ops.Split(dy, a, sizes);
            for (int i = 0; i < xs.Count; i++) xs[i].AddGrad(parts[i]);
        });
    }

    /// <summary>Splits <paramref name="x"/> along <paramref name="axis"/> into pieces of the given sizes. Each
    /// piece passes its gradient back into its own range of x's gradient.</summary>
    public static Var[] Split(Var x, int axis, params int[] sizes)
    {
        int a = x.Shape.NormalizeAxis(axis);
        var pieces = Ops.Split(x.Value, a, sizes);
        var result = new Var[pieces.Length];
        int start = 0;
        for (int i = 0; i < pieces.Length; i++)
        {
            int offset = start;
            result[i] = Graph.Record("Split", pieces[i], [x], (_, dy) => x.AddGrad(Ops.SliceBackward(dy, x.Shape, a, offset)));
            start += sizes[i];
        }
        return result;
    }
}
