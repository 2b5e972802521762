namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Elements [start, start + length) of x along <paramref name="axis"/>.</summary>
    public static (T[] Y, int[] Shape) Slice<T>(T[] x, int[] shape, int axis, int start, int length)
    {
        var outShape = (int[])shape.Clone();
        outShape[axis] = length;
        var y = new T[Size(outShape)];
        for (int flat = 0; flat < y.Length; flat++)
        {
            var idx = Unflatten(outShape, flat);
            idx[axis] += start;
            y[flat] = x[Flat(shape, idx)];
        }
        return (y, outShape);
    }

    /// <summary>Zeros of <paramref name="inputShape"/> with dy at [start, start + length) along the axis.</summary>
    public static T[] SliceBackward<T>(T[] dy, int[] dyShape, int[] inputShape, int axis, int start)
    {
        var dx = new T[Size(inputShape)];
        for (int flat = 0; flat < dy.Length; flat++)
        {
            var idx = Unflatten(dyShape, flat);
            idx[axis] += start;
            dx[Flat(inputShape, idx)] = dy[flat];
        }
        return dx;
    }
}
