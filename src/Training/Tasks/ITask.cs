namespace HyenaIL.Training;

/// <summary>One batch: inputs and targets (B, L), int32 on the host. A target of <see cref="IgnoreIndex"/> does
/// not count in the loss or the accuracy.</summary>
public sealed record Batch(int[] Inputs, int[] Targets, int Size, int Length)
{
    public const int IgnoreIndex = -100;
}

/// <summary>
/// A training task: where batches come from, how big the vocabulary is, and how to describe it. Batches are a
/// pure function of (seed, step), so a resumed run sees exactly the batches an uninterrupted one would.
/// </summary>
public interface ITask
{
    /// <summary>A short description for logs, e.g. "associative recall, vocabulary 10, length 64".</summary>
    string Description { get; }

    /// <summary>The token ids used: the model's vocabulary must be at least this.</summary>
    int Vocab { get; }

    /// <summary>L of every batch.</summary>
    int SequenceLength { get; }

    /// <summary>The training batch for <paramref name="step"/>.</summary>
    Batch TrainBatch(long step, int batchSize);

    /// <summary>The held-out set, in batches of at most <paramref name="batchSize"/>.</summary>
    IEnumerable<Batch> EvalBatches(int batchSize);

    /// <summary>Settings to store in a checkpoint so that eval can rebuild the task.</summary>
    IReadOnlyDictionary<string, string> Describe();
}
