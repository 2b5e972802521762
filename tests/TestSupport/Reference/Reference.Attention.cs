namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Causal attention o_i = Σ_{j ≤ i} softmax_j(q_i·k_j·scale)·v_j, per (b, h), in float64.</summary>
    public static double[] CausalAttention(double[] q, double[] k, double[] v, int bh, int l, int dh, double scale)
    {
        var o = new double[q.Length];
        for (int g = 0; g < bh; g++)
            for (int i = 0; i < l; i++)
            {
                var s = new double[i + 1];
                for (int j = 0; j <= i; j++)
                {
                    double dot = 0;
                    for (int c = 0; c < dh; c++) dot += q[(g * l + i) * dh + c] * k[(g * l + j) * dh + c];
                    s[j] = dot * scale;
                }
                double max = s.Max(), sum = s.Sum(x => Math.Exp(x - max));
                for (int j = 0; j <= i; j++)
                {
                    double p = Math.Exp(s[j] - max) / sum;
                    for (int c = 0; c < dh; c++) o[(g * l + i) * dh + c] += p * v[(g * l + j) * dh + c];
                }
            }
        return o;
    }
}
