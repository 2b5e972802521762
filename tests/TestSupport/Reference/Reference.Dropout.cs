namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Inverted dropout in float64: x / (1 − p) where the stream's uniform is at least p, else 0.</summary>
    public static double[] Dropout(double[] x, double p, ulong seed)
    {
        var u = StreamUniform(seed, x.Length);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = u[i] >= p ? x[i] / (1 - p) : 0;
        return y;
    }
}
