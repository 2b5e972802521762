namespace HyenaIL.Training;

/// <summary>Held-out metrics: mean cross-entropy in nats per scored token, accuracy of the argmax prediction,
/// and bits per byte for byte-level text (loss / ln 2).</summary>
public sealed record EvalResult(double Loss, double Accuracy, long Tokens)
{
    public double BitsPerToken => Loss / Math.Log(2);
}

/// <summary>What the trainer reports every few steps and at each evaluation.</summary>
public sealed record TrainingProgress(
    long Step,
    long TotalSteps,
    double Loss,
    double Accuracy,
    double LearningRate,
    double GradNorm,
    double TokensPerSecond,
    TimeSpan Elapsed,
    TimeSpan Eta,
    EvalResult? Eval);

/// <summary>How a run ended.</summary>
public enum StopReason
{
    Completed,
    Cancelled,
    NonFiniteLoss,
}

public sealed record TrainingSummary(
    StopReason Reason,
    long Steps,
    double FinalLoss,
    EvalResult? FinalEval,
    TimeSpan Elapsed,
    double TokensPerSecond,
    string? Message);

/// <summary>Training stopped because the loss or a gradient became NaN or infinite.</summary>
public sealed class NonFiniteLossException(string message) : Exception(message);

/// <summary>An <see cref="IProgress{T}"/> that calls <paramref name="report"/> on the training thread, in step order.
/// (<see cref="Progress{T}"/> posts to the thread pool when there is no synchronisation context, as in a console
/// program, so its reports can arrive late and out of order.)</summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
