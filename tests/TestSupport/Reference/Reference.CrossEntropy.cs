namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>Mean cross-entropy over the rows whose target is not <paramref name="ignore"/> (0 if none), each row's
    /// log Σ exp, and the number of rows counted.</summary>
    public static (double Loss, double[] LogSumExp, int Count) CrossEntropy(double[] logits, int[] targets, int v, int ignore)
    {
        int n = targets.Length, count = 0;
        var lse = new double[n];
        double total = 0;
        for (int r = 0; r < n; r++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < v; j++) max = Math.Max(max, logits[r * v + j]);
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.Exp(logits[r * v + j] - max);
            lse[r] = max + Math.Log(sum);
            if (targets[r] == ignore) continue;
            total += lse[r] - logits[r * v + targets[r]];
            count++;
        }
        return (count > 0 ? total / count : 0, lse, count);
    }

    /// <summary>∂(dLoss · loss)/∂logits: (softmax − onehot) · dLoss / count on counted rows, 0 on ignored rows.</summary>
    public static double[] CrossEntropyBackward(double[] logits, int[] targets, int v, int ignore, double dLoss)
    {
        var (_, lse, count) = CrossEntropy(logits, targets, v, ignore);
        var dx = new double[logits.Length];
        for (int r = 0; r < targets.Length; r++)
        {
            if (targets[r] == ignore) continue;
            for (int j = 0; j < v; j++)
                dx[r * v + j] = (Math.Exp(logits[r * v + j] - lse[r]) - (j == targets[r] ? 1 : 0)) * dLoss / count;
        }
        return dx;
    }
}
