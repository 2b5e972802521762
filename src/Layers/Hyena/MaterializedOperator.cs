using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// The Hyena operator for one input written out as matrices: for each channel c, the L×L lower-triangular matrix
/// H_c that takes the value projection v_c to the gated, convolved output, so that
/// <c>y[t, e] = out_proj.bias[e] + Σ_c out_proj.weight[e, c] · Σ_s H[c, t, s] · V[c, s]</c>.
/// H_c = diag(x_0) · A_{N−2} ⋯ A_0 with A_o = (T(k_o) + D_o·I) · diag(x_{N−1−o}), T(k) the Toeplitz matrix
/// of the causal convolution (paper §3.1, "data-controlled matrices"). Computed in float64.
/// </summary>
/// <param name="H">(D, L, L), row t, column s; zero above the diagonal.</param>
/// <param name="V">(D, L), the value projection v.</param>
public sealed record MaterializedOperator(int Width, int Length, double[] H, double[] V)
{
    public double At(int channel, int t, int s) => H[((long)channel * Length + t) * Length + s];
}

public static class HyenaMaterialize
{
    /// <summary>The largest L <see cref="Materialize"/> accepts: D·L² doubles are built, in O(D·L²) time for order 2
    /// and O((N−2)·D·L³) beyond.</summary>
    public const int MaxLength = 2048;

    /// <summary>
    /// The implicit data-controlled matrices of <paramref name="op"/> for the input <paramref name="u"/> (1, L, D),
    /// in evaluation semantics (no dropout). For teaching and auditing: what a layer does to a given sequence.
    /// </summary>
    public static MaterializedOperator Materialize(this HyenaOperator op, Tensor u)
    {
        Check.Float("Materialize", u, "u");
        if (u.Shape.Rank != 3 || u.Shape[0] != 1)
            throw new ShapeException($"Materialize: input must have shape (1, L, D), got {u.Shape}");
        int length = u.Shape[1];
        if (length > MaxLength)
            throw new ArgumentException($"Materialize: L = {length} exceeds {MaxLength} (the matrices take D·L² doubles)");
        int n = op.Filter.Convolutions + 1, d = op.Filter.Width;
        double[][] gates;
        double[][] kernels, skips;
        using (var graph = new Graph(recordGradients: false))
        {
            var x = op.ShortFilter.Forward(Fn.Transpose(op.InProj.Forward(graph.Input(u)), 1, 2));   // (1, (N+1)D, L)
            var all = x.Value.ToDoubleArray();
            gates = Enumerable.Range(0, n + 1).Select(i => all.AsSpan(i * d * length, d * length).ToArray()).ToArray();
            var (ks, ds) = op.Filter.Kernels(graph, length);
            kernels = ks.Select(k => k.Value.ToDoubleArray()).ToArray();                              // each (D, L)
            skips = ds.Select(s => s.Value.ToDoubleArray()).ToArray();                                // each (D)
        }
        var h = new double[(long)d * length * length];
        var m = new double[length * length];
        var next = new double[length * length];
        for (int c = 0; c < d; c++)
        {
            // m = A_0 = (T(k_0) + D_0 I)·diag(x_{N−1}), O(L²); then m = A_o·m for the further convolutions, O(L³).
            FirstConvolution(m, gates[n - 1], kernels[0], skips[0][c], c, length);
            for (int o = 1; o < n - 1; o++)
            {
                ApplyGateAndConvolution(m, next, gates[n - 1 - o], kernels[o], skips[o][c], c, length);
                (m, next) = (next, m);
            }
            var x0 = gates[0];
            for (int t = 0; t < length; t++)
                for (int s = 0; s <= t; s++)
                    h[((long)c * length + t) * length + s] = x0[c * length + t] * m[t * length + s];
        }
        return new MaterializedOperator(d, length, h, gates[n]);
    }

    /// <summary>m = (T(k) + D·I) · diag(gate).</summary>
    private static void FirstConvolution(double[] m, double[] gate, double[] kernel, double skip, int c, int length)
    {
        Array.Clear(m);
        for (int t = 0; t < length; t++)
            for (int s = 0; s <= t; s++)
                m[t * length + s] = (kernel[c * length + (t - s)] + (t == s ? skip : 0)) * gate[c * length + s];
    }

    /// <summary>next = (T(k) + D·I) · diag(gate) · m, all lower-triangular (L, L).</summary>
    private static void ApplyGateAndConvolution(double[] m, double[] next, double[] gate, double[] kernel, double skip, int c, int length)
    {
        Array.Clear(next);
        for (int t = 0; t < length; t++)
        {
            for (int j = 0; j <= t; j++)
            {
                // row t of (T(k) + D·I) has k[t − j] at column j (plus D on the diagonal).
                double coeff = kernel[c * length + (t - j)] + (t == j ? skip : 0);
                double scaled = coeff * gate[c * length + j];
                if (scaled == 0) continue;
                for (int s = 0; s <= j; s++) next[t * length + s] += scaled * m[j * length + s];
            }
        }
    }
}
