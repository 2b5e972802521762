namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>y[s, j] = weight[ids[s], j].</summary>
    public static double[] Embedding(double[] weight, int d, int[] ids)
    {
        var y = new double[ids.Length * d];
        for (int s = 0; s < ids.Length; s++)
            for (int j = 0; j < d; j++)
                y[s * d + j] = weight[ids[s] * d + j];
        return y;
    }

    /// <summary>dW[v, j] = Σ over positions s with ids[s] = v of dy[s, j].</summary>
    public static double[] EmbeddingBackward(int[] ids, double[] dy, int vocab, int d)
    {
        var dw = new double[vocab * d];
        for (int v = 0; v < vocab; v++)
            for (int s = 0; s < ids.Length; s++)
                if (ids[s] == v)
                    for (int j = 0; j < d; j++)
                        dw[v * d + j] += dy[s * d + j];
        return dw;
    }
}
