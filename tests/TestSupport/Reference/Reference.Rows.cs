namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Reduction of axis <paramref name="axis"/> of x (shape) with f over the reduced values.</summary>
    public static double[] ReduceAxis(double[] x, int[] shape, int axis, Func<double[], double> f)
    {
        int outer = 1, inner = 1, n = shape[axis];
        for (int i = 0; i < axis; i++) outer *= shape[i];
        for (int i = axis + 1; i < shape.Length; i++) inner *= shape[i];
        var y = new double[outer * inner];
        var values = new double[n];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                for (int j = 0; j < n; j++) values[j] = x[(o * n + j) * inner + i];
                y[o * inner + i] = f(values);
            }
        return y;
    }

    /// <summary>Softmax (or log-softmax) of each row of length n; with a causal mask, row r of an (lq, n) matrix
    /// keeps columns j ≤ r mod lq + (n − lq).</summary>
    public static double[] Softmax(double[] x, int n, bool log, int lq = 0)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / n; r++)
        {
            int valid = lq == 0 ? n : Math.Min(n, r % lq + 1 + (n - lq));
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < valid; j++) max = Math.Max(max, x[r * n + j]);
            for (int j = 0; j < valid; j++) sum += Math.Exp(x[r * n + j] - max);
            for (int j = 0; j < n; j++)
                y[r * n + j] = j >= valid ? (log ? double.NegativeInfinity : 0) : log ? x[r * n + j] - max - Math.Log(sum) : Math.Exp(x[r * n + j] - max) / sum;
        }
        return y;
    }

    /// <summary>Layer norm over rows of length d.</summary>
    public static double[] LayerNorm(double[] x, double[] gamma, double[] beta, int d, double eps)
    {
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / d; r++)
        {
            double mean = 0, var = 0;
            for (int i = 0; i < d; i++) mean += x[r * d + i];
            mean /= d;
            for (int i = 0; i < d; i++) var += (x[r * d + i] - mean) * (x[r * d + i] - mean);
            double rstd = 1 / Math.Sqrt(var / d + eps);
            for (int i = 0; i < d; i++) y[r * d + i] = (x[r * d + i] - mean) * rstd * gamma[i] + beta[i];
        }
        return y;
    }

    /// <summary>Mean cross-entropy over rows whose target is not <paramref name="ignore"/>; 0 if none.</summary>
    public static double CrossEntropy(double[] logits, int[] targets, int v, int ignore)
    {
        double total = 0;
        int count = 0;
        for (int r = 0; r < targets.Length; r++)
        {
            if (targets[r] == ignore) continue;
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < v; j++) max = Math.Max(max, logits[r * v + j]);
            for (int j = 0; j < v; j++) sum += Math.Exp(logits[r * v + j] - max);
            total += max + Math.Log(sum) - logits[r * v + targets[r]];
            count++;
        }
        return count == 0 ? 0 : total / count;
    }

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
