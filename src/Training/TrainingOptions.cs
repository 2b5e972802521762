using System.Text.Json.Serialization;
using HyenaIL.Layers;

namespace HyenaIL.Training;

[JsonConverter(typeof(JsonStringEnumConverter<OptimizerKind>))]
public enum OptimizerKind
{
    AdamW,
    Sgd,
}

/// <summary>How to train: steps, batches, optimizer, schedule, clipping, evaluation and checkpoints.</summary>
public sealed record TrainingOptions
{
    public int Steps { get; init; } = 1000;

    public int BatchSize { get; init; } = 32;

    /// <summary>Micro-batches of <see cref="BatchSize"/> whose gradients are summed before each optimizer step. The loss
    /// is averaged over every scored target of all of them, so k micro-batches make the update one batch of k times
    /// the size would, ignored targets or not.</summary>
    public int GradientAccumulation { get; init; } = 1;

    public OptimizerKind Optimizer { get; init; } = OptimizerKind.AdamW;

    public OptimizerSettings Optimization { get; init; } = new();

    /// <summary>Linear warm-up steps before the cosine decay.</summary>
    public int WarmupSteps { get; init; } = 100;

    /// <summary>The cosine decays to this fraction of the peak rate.</summary>
    public double MinRateFactor { get; init; } = 0.1;

    /// <summary>Clip the global gradient norm to this (0: off).</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Evaluate on the held-out set every N steps (0: only at the end).</summary>
    public int EvalEvery { get; init; } = 200;

    /// <summary>Save a checkpoint every N steps (0: only at the end).</summary>
    public int CheckpointEvery { get; init; } = 500;

    /// <summary>Report progress every N steps.</summary>
    public int LogEvery { get; init; } = 10;

    public int EvalBatchSize { get; init; } = 64;

    /// <summary>Seeds initialisation, data order and dropout.</summary>
    public ulong Seed { get; init; } = 1;

    public TrainingOptions Validate()
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"training options: {what}");
        }
        Require(Steps >= 1, $"steps must be at least 1, got {Steps}");
        Require(BatchSize >= 1, $"batch size must be at least 1, got {BatchSize}");
        Require(GradientAccumulation >= 1, $"gradient accumulation must be at least 1, got {GradientAccumulation}");
        Require(Optimization.LearningRate > 0 && double.IsFinite(Optimization.LearningRate), $"the learning rate must be positive, got {Optimization.LearningRate}");
        Require(Optimization.WeightDecay >= 0, $"weight decay must be at least 0, got {Optimization.WeightDecay}");
        Require(WarmupSteps >= 0 && MinRateFactor is >= 0 and <= 1, "warm-up must be at least 0 and the minimum rate factor in [0, 1]");
        Require(ClipNorm >= 0, $"the clipping norm must be at least 0, got {ClipNorm}");
        Require(EvalEvery >= 0 && CheckpointEvery >= 0 && LogEvery >= 1 && EvalBatchSize >= 1, "intervals must be non-negative and log/eval batch sizes at least 1");
        return this;
    }
}
