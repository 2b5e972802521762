namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>C = op(A)·op(B) in float64 with the batching rules of Ops.Matmul: A (..., M, K) or, transposed,
    /// (..., K, M); B (K, N) or (N, K), shared by A's batch, or batched like A; a 2-D A is shared by B's batch.
    /// Returns C (..., M, N) and its shape.</summary>
    public static (double[] C, int[] Shape) Matmul(double[] a, int[] shapeA, double[] b, int[] shapeB, bool transA, bool transB)
    {
        int ra = shapeA.Length, rb = shapeB.Length;
        int m = transA ? shapeA[ra - 1] : shapeA[ra - 2];
        int k = transA ? shapeA[ra - 2] : shapeA[ra - 1];
        int n = transB ? shapeB[rb - 2] : shapeB[rb - 1];
        if ((transB ? shapeB[rb - 1] : shapeB[rb - 2]) != k) throw new ArgumentException("inner dimensions differ");
        int[] batchShape = ra > 2 ? shapeA[..^2] : shapeB[..^2];
        int batch = Size(batchShape);
        bool aShared = ra == 2, bShared = rb == 2;
        var c = new double[batch * m * n];
        for (int t = 0; t < batch; t++)
        {
            int baseA = aShared ? 0 : t * m * k, baseB = bShared ? 0 : t * k * n, baseC = t * m * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int p = 0; p < k; p++)
                    {
                        double x = transA ? a[baseA + p * m + i] : a[baseA + i * k + p];
                        double y = transB ? b[baseB + j * k + p] : b[baseB + p * n + j];
                        sum += x * y;
                    }
                    c[baseC + i * n + j] = sum;
                }
            }
        }
        return (c, [.. batchShape, m, n]);
    }
}
