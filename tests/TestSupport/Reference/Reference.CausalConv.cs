namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Direct causal convolution y[b,c,t] = Σ_{j ≤ t} k[c,j]·u[b,c,t−j] + D[c]·u[b,c,t].</summary>
    public static double[] CausalConv(double[] u, double[] k, double[] d, int b, int c, int l)
    {
        var y = new double[u.Length];
        for (int bi = 0; bi < b; bi++)
            for (int ch = 0; ch < c; ch++)
                for (int t = 0; t < l; t++)
                {
                    double acc = d[ch] * u[(bi * c + ch) * l + t];
                    for (int j = 0; j <= t; j++) acc += k[ch * l + j] * u[(bi * c + ch) * l + t - j];
                    y[(bi * c + ch) * l + t] = acc;
                }
        return y;
    }
}
