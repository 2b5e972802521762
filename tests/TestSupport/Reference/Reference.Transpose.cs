namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Swaps axes <paramref name="a0"/> and <paramref name="a1"/> (non-negative) of x.</summary>
    public static (T[] Y, int[] Shape) Transpose<T>(T[] x, int[] shape, int a0, int a1)
    {
        var outShape = (int[])shape.Clone();
        (outShape[a0], outShape[a1]) = (outShape[a1], outShape[a0]);
        var y = new T[x.Length];
        for (int flat = 0; flat < x.Length; flat++)
        {
            var idx = Unflatten(shape, flat);
            (idx[a0], idx[a1]) = (idx[a1], idx[a0]);
            y[Flat(outShape, idx)] = x[flat];
        }
        return (y, outShape);
    }
}
