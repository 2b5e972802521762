using HyenaIL.Layers;

namespace HyenaIL.Tests;

/// <summary>
/// The Hyena operator written plainly in float64 from the reference's description (reference/hyena.md §1.3, §2),
/// reading its weights by their state_dict names: explicit loops, a direct causal convolution, no code shared
/// with the implementation.
/// </summary>
public sealed class HyenaReference
{
    private readonly Dictionary<string, double[]> w;
    private readonly ModelConfig c;
    private readonly string p;

    public HyenaReference(Module owner, string prefix, ModelConfig config)
    {
        w = owner.StateEntries().ToDictionary(e => e.Name, e => e.Tensor.ToDoubleArray());
        c = config;
        p = prefix;
    }

    private double[] W(string name) => w[p + name];

    /// <summary>u (B, L, D) → y (B, L, D).</summary>
    public double[] Forward(double[] u, int batch, int length)
    {
        int d = c.Width, n = c.Order, k = c.ShortFilter, pc = (n + 1) * d;
        var inW = W("in_proj.weight"); var inB = W("in_proj.bias");
        var scW = W("short_filter.weight"); var scB = W("short_filter.bias");
        var outW = W("out_proj.weight"); var outB = W("out_proj.bias");
        var (kernels, skips) = Filter(length);
        var y = new double[batch * length * d];
        for (int b = 0; b < batch; b++)
        {
            var proj = new double[pc, length];                  // in_proj, transposed to (channels, L)
            for (int t = 0; t < length; t++)
                for (int j = 0; j < pc; j++)
                {
                    double s = inB[j];
                    for (int i = 0; i < d; i++) s += inW[j * d + i] * u[(b * length + t) * d + i];
                    proj[j, t] = s;
                }
            var z = new double[pc, length];                     // the short depthwise causal convolution
            for (int j = 0; j < pc; j++)
                for (int t = 0; t < length; t++)
                {
                    double s = scB[j];
                    for (int tap = 0; tap < k; tap++)
                    {
                        int src = t - (k - 1) + tap;
                        if (src >= 0) s += scW[j * k + tap] * proj[j, src];
                    }
                    z[j, t] = s;
                }
            for (int ch = 0; ch < d; ch++)
            {
                var v = new double[length];
                for (int t = 0; t < length; t++) v[t] = z[n * d + ch, t];
                for (int o = 0; o < n - 1; o++)
                {
                    int gate = n - 1 - o;
                    var s = new double[length];
                    for (int t = 0; t < length; t++) s[t] = v[t] * z[gate * d + ch, t];
                    for (int t = 0; t < length; t++)
                    {
                        double acc = skips[o][ch] * s[t];
                        for (int j = 0; j <= t; j++) acc += kernels[o][ch, j] * s[t - j];
                        v[t] = acc;
                    }
                }
                for (int t = 0; t < length; t++) v[t] *= z[ch, t];
                for (int t = 0; t < length; t++)
                    for (int e = 0; e < d; e++)
                        y[(b * length + t) * d + e] += outW[e * d + ch] * v[t];
            }
            for (int t = 0; t < length; t++)
                for (int e = 0; e < d; e++) y[(b * length + t) * d + e] += outB[e];
        }
        return y;
    }

    /// <summary>The N−1 kernels k_o[c, t] and skips D_o[c] from the implicit filter.</summary>
    public (double[][,] Kernels, double[][] Skips) Filter(int length)
    {
        int d = c.Width, convs = c.Order - 1, ch = d * convs, e = c.PositionalDims, fw = c.FilterWidth;
        var z = W("filter_fn.pos_emb.z"); var t = W("filter_fn.pos_emb.t"); var deltas = W("filter_fn.modulation.deltas");
        var freq = W("filter_fn.implicit_filter.1.freq");
        var h = new double[length, ch];
        for (int n = 0; n < length; n++)
        {
            var a = Dense(W("filter_fn.implicit_filter.0.weight"), W("filter_fn.implicit_filter.0.bias"), z.AsSpan(n * e, e).ToArray(), fw);
            for (int layer = 0; layer < c.FilterInnerLayers; layer++)
            {
                for (int i = 0; i < fw; i++) a[i] = Math.Sin(freq[i] * a[i]);
                int idx = 2 + 2 * layer;
                a = Dense(W($"filter_fn.implicit_filter.{idx}.weight"), W($"filter_fn.implicit_filter.{idx}.bias"), a, fw);
            }
            for (int i = 0; i < fw; i++) a[i] = Math.Sin(freq[i] * a[i]);
            var last = W($"filter_fn.implicit_filter.{2 + 2 * c.FilterInnerLayers}.weight");
            for (int j = 0; j < ch; j++)
            {
                double s = 0;
                for (int i = 0; i < fw; i++) s += last[j * fw + i] * a[i];
                h[n, j] = c.Modulate ? s * (Math.Exp(-t[n] * Math.Abs(deltas[j])) + c.ModulationShift) : s;
            }
        }
        var bias = W("filter_fn.bias");
        var kernels = new double[convs][,];
        var skips = new double[convs][];
        for (int o = 0; o < convs; o++)
        {
            kernels[o] = new double[d, length];
            skips[o] = new double[d];
            for (int cc = 0; cc < d; cc++)
            {
                skips[o][cc] = bias[cc * convs + o];
                for (int n = 0; n < length; n++) kernels[o][cc, n] = h[n, cc * convs + o];
            }
        }
        return (kernels, skips);
    }

    private static double[] Dense(double[] weight, double[] bias, double[] x, int outputs)
    {
        var y = new double[outputs];
        for (int j = 0; j < outputs; j++)
        {
            double s = bias[j];
            for (int i = 0; i < x.Length; i++) s += weight[j * x.Length + i] * x[i];
            y[j] = s;
        }
        return y;
    }
}
