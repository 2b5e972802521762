namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>The parts joined along <paramref name="axis"/>: output index i along the axis belongs to the part
    /// whose range of offsets holds it.</summary>
    public static (T[] Y, int[] Shape) Concat<T>(IReadOnlyList<(T[] X, int[] Shape)> parts, int axis)
    {
        var outShape = (int[])parts[0].Shape.Clone();
        outShape[axis] = parts.Sum(p => p.Shape[axis]);
        var y = new T[Size(outShape)];
        for (int flat = 0; flat < y.Length; flat++)
        {
            var idx = Unflatten(outShape, flat);
            int k = 0;
            while (idx[axis] >= parts[k].Shape[axis])
            {
                idx[axis] -= parts[k].Shape[axis];
                k++;
            }
            y[flat] = parts[k].X[Flat(parts[k].Shape, idx)];
        }
        return (y, outShape);
    }
}
