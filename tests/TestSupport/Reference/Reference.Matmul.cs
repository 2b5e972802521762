namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>C = op(A)·op(B) for one matrix pair by the triple loop; A is (M, K) or (K, M) stored, B (K, N) or (N, K).</summary>
    public static double[] Matmul(double[] a, double[] b, int m, int n, int k, bool transA, bool transB)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
                c[i * n + j] = s;
            }
        return c;
    }
}
