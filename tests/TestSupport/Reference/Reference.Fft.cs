namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>The discrete Fourier transform by its definition, O(n²), in float64, of each row of
    /// <paramref name="rows"/> × n complex numbers interleaved (re, im):
    /// X[k] = Σ_j x[j]·e^{∓2πi·jk/n} (− forward, + inverse, no scaling). The angle uses (j·k mod n), so it is
    /// exact for any n.</summary>
    public static double[] Dft(double[] x, int rows, int n, bool inverse = false)
    {
        var y = new double[x.Length];
        double sign = inverse ? 1 : -1;
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < n; k++)
            {
                double re = 0, im = 0;
                for (int j = 0; j < n; j++)
                {
                    double angle = sign * 2 * Math.PI * ((long)j * k % n) / n;
                    double c = Math.Cos(angle), s = Math.Sin(angle);
                    double xr = x[2 * (r * n + j)], xi = x[2 * (r * n + j) + 1];
                    re += xr * c - xi * s;
                    im += xr * s + xi * c;
                }
                y[2 * (r * n + k)] = re;
                y[2 * (r * n + k) + 1] = im;
            }
        return y;
    }

    /// <summary>The causal long convolution by its definition, in float64: u (b, c, l), k (c, l), d (c),
    /// y[b,c,t] = Σ_{j ≤ t} k[c,j]·u[b,c,t−j] + d[c]·u[b,c,t].</summary>
    public static double[] LongConv(double[] u, double[] k, double[] d, int b, int c, int l)
    {
        var y = new double[b * c * l];
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

    /// <summary>The three gradients of <see cref="LongConv"/> given dy, by scattering each product of the
    /// forward sum back onto its two factors: y[t] gets k[j]·u[t−j], so du[t−j] += k[j]·dy[t] and
    /// dk[j] += u[t−j]·dy[t]; y[t] gets d·u[t], so du[t] += d·dy[t] and dd += u[t]·dy[t].</summary>
    public static (double[] DU, double[] DK, double[] DD) LongConvBackward(double[] u, double[] k, double[] d, double[] dy,
        int b, int c, int l)
    {
        var du = new double[u.Length];
        var dk = new double[k.Length];
        var dd = new double[c];
        for (int bi = 0; bi < b; bi++)
            for (int ch = 0; ch < c; ch++)
            {
                int row = (bi * c + ch) * l;
                for (int t = 0; t < l; t++)
                {
                    double g = dy[row + t];
                    du[row + t] += d[ch] * g;
                    dd[ch] += u[row + t] * g;
                    for (int j = 0; j <= t; j++)
                    {
                        du[row + t - j] += k[ch * l + j] * g;
                        dk[ch * l + j] += u[row + t - j] * g;
                    }
                }
            }
        return (du, dk, dd);
    }
}
