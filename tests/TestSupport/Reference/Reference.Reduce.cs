namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>The values along <paramref name="axis"/> for each position of the other axes: one list per output
    /// element (row-major over the shape without the axis), each in increasing index along the axis.</summary>
    public static List<double>[] Lines(double[] x, int[] shape, int axis)
    {
        var outShape = shape.Where((_, i) => i != axis).ToArray();
        var lines = new List<double>[Size(outShape)];
        for (int i = 0; i < lines.Length; i++) lines[i] = new List<double>();
        for (int flat = 0; flat < x.Length; flat++)
        {
            var idx = Unflatten(shape, flat);
            var outIdx = idx.Where((_, i) => i != axis).ToArray();
            lines[Flat(outShape, outIdx)].Add(x[flat]);
        }
        return lines;
    }

    public static double[] SumAlong(double[] x, int[] shape, int axis) =>
        Lines(x, shape, axis).Select(line =>
        {
            double s = 0;
            foreach (var v in line) s += v;
            return s;
        }).ToArray();

    /// <summary>The maximum along the axis; NaN if the line holds a NaN.</summary>
    public static double[] MaxAlong(double[] x, int[] shape, int axis) =>
        Lines(x, shape, axis).Select(line =>
        {
            double m = double.NegativeInfinity;
            foreach (var v in line)
            {
                if (double.IsNaN(v)) return double.NaN;
                if (v > m) m = v;
            }
            return m;
        }).ToArray();

    /// <summary>The index of the maximum along the axis: the first NaN if there is one, else the first of equal maxima.</summary>
    public static int[] ArgMaxAlong(double[] x, int[] shape, int axis) =>
        Lines(x, shape, axis).Select(line =>
        {
            int best = 0;
            for (int k = 0; k < line.Count; k++)
            {
                if (double.IsNaN(line[k])) return k;
                if (line[k] > line[best]) best = k;
            }
            return best;
        }).ToArray();
}
