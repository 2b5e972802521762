namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Layer norm over rows of <paramref name="d"/>: y, and each row's mean and 1/√(biased variance + eps).</summary>
    public static (double[] Y, double[] Mean, double[] Rstd) LayerNorm(double[] x, double[] gamma, double[] beta, int d, double eps)
    {
        int rows = x.Length / d;
        var y = new double[x.Length];
        var mean = new double[rows];
        var rstd = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double mu = 0;
            for (int j = 0; j < d; j++) mu += x[r * d + j];
            mu /= d;
            double variance = 0;
            for (int j = 0; j < d; j++) variance += (x[r * d + j] - mu) * (x[r * d + j] - mu);
            variance /= d;
            double rs = 1 / Math.Sqrt(variance + eps);
            for (int j = 0; j < d; j++) y[r * d + j] = (x[r * d + j] - mu) * rs * gamma[j] + beta[j];
            mean[r] = mu;
            rstd[r] = rs;
        }
        return (y, mean, rstd);
    }

    /// <summary>The layer-norm gradients through the explicit Jacobian of the normalisation,
    /// ∂n_j/∂x_k = rstd·(δ_jk − 1/D − n_j·n_k/D), with the row statistics recomputed from x.</summary>
    public static (double[] DX, double[] DGamma, double[] DBeta) LayerNormBackward(double[] x, double[] gamma, double[] dy, int d, double eps)
    {
        int rows = x.Length / d;
        var dx = new double[x.Length];
        var dGamma = new double[d];
        var dBeta = new double[d];
        var (_, mean, rstd) = LayerNorm(x, gamma, new double[d], d, eps);
        for (int r = 0; r < rows; r++)
        {
            var n = new double[d];
            for (int j = 0; j < d; j++) n[j] = (x[r * d + j] - mean[r]) * rstd[r];
            for (int k = 0; k < d; k++)
            {
                double s = 0;
                for (int j = 0; j < d; j++)
                    s += dy[r * d + j] * gamma[j] * rstd[r] * ((j == k ? 1 : 0) - 1.0 / d - n[j] * n[k] / d);
                dx[r * d + k] = s;
            }
            for (int j = 0; j < d; j++)
            {
                dGamma[j] += dy[r * d + j] * n[j];
                dBeta[j] += dy[r * d + j];
            }
        }
        return (dx, dGamma, dBeta);
    }
}
