namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Whether element <paramref name="flat"/> of a (..., Lq, Lk) tensor is hidden by the causal mask:
    /// key j after query i + (Lk − Lq).</summary>
    public static bool CausallyMasked(int[] shape, int flat)
    {
        var idx = Unflatten(shape, flat);
        int lq = shape[^2], lk = shape[^1], i = idx[^2], j = idx[^1];
        return j > i + (lk - lq);
    }

    /// <summary>Softmax (or log-softmax) of each row of the last axis, the row's maximum subtracted first; masked
    /// entries are 0 (or −∞).</summary>
    public static double[] Softmax(double[] x, int[] shape, bool causal = false, bool log = false)
    {
        int lk = shape[^1];
        var y = new double[x.Length];
        for (int r = 0; r < x.Length / lk; r++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < lk; j++)
                if (!(causal && CausallyMasked(shape, r * lk + j))) max = Math.Max(max, x[r * lk + j]);
            double sum = 0;
            for (int j = 0; j < lk; j++)
                if (!(causal && CausallyMasked(shape, r * lk + j))) sum += Math.Exp(x[r * lk + j] - max);
            for (int j = 0; j < lk; j++)
            {
                bool masked = causal && CausallyMasked(shape, r * lk + j);
                double v = x[r * lk + j];
                y[r * lk + j] = masked ? (log ? double.NegativeInfinity : 0) : log ? v - max - Math.Log(sum) : Math.Exp(v - max) / sum;
            }
        }
        return y;
    }

    /// <summary>The softmax Jacobian applied to dy, written as Σ_k (δ_jk y_j − y_j y_k) dy_k per row.</summary>
    public static double[] SoftmaxBackward(double[] y, double[] dy, int[] shape)
    {
        int lk = shape[^1];
        var dx = new double[y.Length];
        for (int r = 0; r < y.Length / lk; r++)
            for (int j = 0; j < lk; j++)
            {
                double s = 0;
                for (int k = 0; k < lk; k++)
                    s += ((j == k ? y[r * lk + j] : 0) - y[r * lk + j] * y[r * lk + k]) * dy[r * lk + k];
                dx[r * lk + j] = s;
            }
        return dx;
    }

    /// <summary>The log-softmax Jacobian applied to dy: Σ_k (δ_jk − exp(y_k)) dy_k, over visible entries; masked 0.</summary>
    public static double[] LogSoftmaxBackward(double[] y, double[] dy, int[] shape, bool causal = false)
    {
        int lk = shape[^1];
        var dx = new double[y.Length];
        for (int r = 0; r < y.Length / lk; r++)
            for (int j = 0; j < lk; j++)
            {
                if (causal && CausallyMasked(shape, r * lk + j)) continue;
                double s = 0;
                for (int k = 0; k < lk; k++)
                    if (!(causal && CausallyMasked(shape, r * lk + k)))
                        s += ((j == k ? 1 : 0) - Math.Exp(y[r * lk + j])) * dy[r * lk + k];
                dx[r * lk + j] = s;
            }
        return dx;
    }
}
