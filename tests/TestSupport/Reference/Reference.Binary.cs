namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>NumPy-broadcast elementwise f(a, b): the output shape, then each output index mapped back onto
    /// each operand by clamping broadcast dimensions to 0.</summary>
    public static (double[] Y, int[] Shape) Broadcast(double[] a, int[] shapeA, double[] b, int[] shapeB, Func<double, double, double> f)
    {
        int rank = Math.Max(shapeA.Length, shapeB.Length);
        var outShape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - shapeA.Length) >= 0 ? shapeA[i - (rank - shapeA.Length)] : 1;
            int db = i - (rank - shapeB.Length) >= 0 ? shapeB[i - (rank - shapeB.Length)] : 1;
            if (da != db && da != 1 && db != 1) throw new ArgumentException("shapes do not broadcast");
            outShape[i] = Math.Max(da, db);
        }
        var y = new double[Size(outShape)];
        for (int flat = 0; flat < y.Length; flat++)
        {
            var idx = Unflatten(outShape, flat);
            y[flat] = f(a[Project(idx, shapeA)], b[Project(idx, shapeB)]);
        }
        return (y, outShape);
    }

    private static int Project(int[] outIndex, int[] shape)
    {
        var idx = new int[shape.Length];
        int pad = outIndex.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++) idx[i] = shape[i] == 1 ? 0 : outIndex[pad + i];
        return Flat(shape, idx);
    }

    /// <summary>Sums <paramref name="x"/> of shape <paramref name="shape"/> down to <paramref name="target"/>
    /// (the reverse of broadcasting).</summary>
    public static double[] SumTo(double[] x, int[] shape, int[] target)
    {
        var y = new double[Size(target)];
        for (int flat = 0; flat < x.Length; flat++)
            y[Project(Unflatten(shape, flat), target)] += x[flat];
        return y;
    }
}
