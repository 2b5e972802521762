namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Depthwise causal convolution in float64, straight from the definition:
    /// y[b,c,t] = bias[c] + Σ_k w[c,k]·x[b,c,t−(K−1)+k], with x = 0 at negative time.</summary>
    public static double[] ShortConv(double[] x, double[] w, double[] bias, int batch, int channels, int length, int taps)
    {
        var y = new double[batch * channels * length];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
                for (int t = 0; t < length; t++)
                {
                    double acc = bias[c];
                    for (int k = 0; k < taps; k++)
                    {
                        int s = t - (taps - 1) + k;
                        if (s >= 0) acc += w[c * taps + k] * x[(b * channels + c) * length + s];
                    }
                    y[(b * channels + c) * length + t] = acc;
                }
        return y;
    }

    /// <summary>The adjoint of <see cref="ShortConv"/> in float64, by scattering each product's gradient back to
    /// its two factors (the reverse of the forward's loop, term by term).</summary>
    public static (double[] DX, double[] DW, double[] DBias) ShortConvBackward(double[] x, double[] w, double[] dy,
        int batch, int channels, int length, int taps)
    {
        var dx = new double[x.Length];
        var dw = new double[channels * taps];
        var dBias = new double[channels];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
                for (int t = 0; t < length; t++)
                {
                    double g = dy[(b * channels + c) * length + t];
                    dBias[c] += g;
                    for (int k = 0; k < taps; k++)
                    {
                        int s = t - (taps - 1) + k;
                        if (s < 0) continue;
                        dx[(b * channels + c) * length + s] += w[c * taps + k] * g;
                        dw[c * taps + k] += x[(b * channels + c) * length + s] * g;
                    }
                }
        return (dx, dw, dBias);
    }
}
