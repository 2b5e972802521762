using HyenaIL.Layers;
using HyenaIL.Training;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>A non-finite loss stops the run naming the step and what went wrong, and keeps the last good checkpoint.</summary>
public sealed class TrainerNonFiniteTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "hyenail-nonfinite-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private static TrainingOptions Options(int steps, int accumulation = 1) => new()
    {
        Steps = steps, BatchSize = 2, GradientAccumulation = accumulation, WarmupSteps = 0, EvalEvery = 0, CheckpointEvery = 0,
        LogEvery = 1, Seed = 7, Optimization = new OptimizerSettings { LearningRate = 1e-3 },
    };

    [Fact]
    public void ADivergingRunStopsNamingTheStepAndKeepsTheLastGoodCheckpoint()
    {
        var task = new AssociativeRecall(8, 10, 0, 20, 3);
        string run = Path.Combine(dir, "nan");
        using (var good = new Trainer(new LanguageModel(TrainingTestKit.Tiny(task), Device.Cpu, 5), task, Options(3), run)) good.Run();
        string checkpoint = Path.Combine(run, Trainer.CheckpointFileName);
        var saved = File.ReadAllBytes(checkpoint);
        // Continue with a learning rate that makes the parameters overflow within a step or two.
        using var trainer = Trainer.Resume(checkpoint, task, Device.Cpu, run, o => o with
        {
            Steps = 40, ClipNorm = 0, WarmupSteps = 0, CheckpointEvery = 0,
            Optimization = new OptimizerSettings { LearningRate = 1e30 },
        });
        var summary = trainer.Run();
        Assert.Equal(StopReason.NonFiniteLoss, summary.Reason);
        Assert.Matches(@"^non-finite (loss|gradient norm) \S+ at step \d+: (parameter backbone\.\S+ is not finite|the gradient of backbone\.\S+ is not finite|" +
                       @"the output of layer \d \(backbone\.layers\.\d\) is not finite|the output of the final norm \(backbone\.ln_f\) is not finite|" +
                       @"the embedding output \(backbone\.embeddings\) is not finite); the last good checkpoint is kept$", summary.Message!);
        Assert.Equal(saved, File.ReadAllBytes(checkpoint));
        var file = Checkpoint.Read(checkpoint);
        Assert.All(file.Tensors.Values, t => Assert.All(t.Data, v => Assert.True(float.IsFinite(v), $"{t.Name} holds {v}")));
    }

    [Fact]
    public void ANonFiniteParameterOfLayer1IsNamed()
    {
        var task = new AssociativeRecall(8, 10, 0, 20, 3);
        using var trainer = new Trainer(new LanguageModel(TrainingTestKit.Tiny(task), Device.Cpu, 5), task, Options(5));
        TrainingTestKit.Edit(trainer.Model, "backbone.layers.1.mlp.fc2.weight", w => w[5] = float.NaN);
        var summary = trainer.Run();
        Assert.Equal(StopReason.NonFiniteLoss, summary.Reason);
        Assert.Equal(0, summary.Steps);
        Assert.Equal("non-finite loss NaN at step 1: parameter backbone.layers.1.mlp.fc2.weight is not finite", summary.Message); // no run folder: nothing about checkpoints
    }

    /// <summary>
    /// A value that overflows in layer 1, and only on the third of three micro-batches: the diagnosis replays that
    /// micro-batch (replaying the first would find every layer finite) and names layer 1.
    /// <para>How: token T (one past the task's vocabulary) appears once, at the start of micro-batch 2. Its embedding
    /// row holds 3e38 in channel 0, which layer 0 carries through its residual stream unchanged (its norms scale
    /// it away); layer 1's fc2 bias adds 1e38 to channel 0 and 3e38 + 1e38 overflows float32. Elsewhere channel 0
    /// holds about 1e38, finite. The final norm's weight and bias are 0 in channel 0, so the tied head gives T a
    /// logit of 0·3e38 = 0 and the other micro-batches' losses stay finite. No dropout: the masks cannot hide T.</para>
    /// </summary>
    [Fact]
    public void AnOverflowInLayer1OnTheThirdMicroBatchIsTracedToLayer1()
    {
        var task = new WithOddToken(new AssociativeRecall(8, 10, 0, 20, 3), oddBatch: 2);
        using var trainer = new Trainer(Poisoned(task), task, Options(5, accumulation: 3));
        var summary = trainer.Run();
        Assert.Equal(StopReason.NonFiniteLoss, summary.Reason);
        Assert.Matches(@"^non-finite loss \S+ at step 1 \(micro-batch 3 of 3\): the output of layer 1 \(backbone\.layers\.1\) is not finite$", summary.Message!);
    }

    [Fact]
    public void ANonFiniteMicroBatchLeavesNoGradientAndNoUpdateBehind()
    {
        var task = new WithOddToken(new AssociativeRecall(8, 10, 0, 20, 3), oddBatch: 2);
        using var trainer = new Trainer(Poisoned(task), task, Options(5, accumulation: 3));
        var before = TrainingTestKit.Bits(trainer.Model);
        var (loss, _) = trainer.TrainOneStep();
        Assert.False(double.IsFinite(loss));
        Assert.Equal(0, trainer.Step);
        TrainingTestKit.AssertSameBits(before, TrainingTestKit.Bits(trainer.Model));
        // Micro-batches 0 and 1 ran their backward before micro-batch 2 failed; their gradients must not leak into the next step.
        Assert.All(trainer.Model.NamedParameters(), p => Assert.True(p.Parameter.Grad is null, $"{p.Name} still holds a gradient"));
    }

    private static LanguageModel Poisoned(WithOddToken task)
    {
        var model = new LanguageModel(TrainingTestKit.Tiny(task, embedDropout: 0), Device.Cpu, 5);
        int d = model.Config.Width;
        TrainingTestKit.Edit(model, "backbone.embeddings.word_embeddings.weight", e => e[task.Odd * d] = 3e38f);
        TrainingTestKit.Edit(model, "backbone.layers.1.mlp.fc2.bias", b => b[0] = 1e38f);
        TrainingTestKit.Edit(model, "backbone.ln_f.weight", w => w[0] = 0);
        TrainingTestKit.Edit(model, "backbone.ln_f.bias", b => b[0] = 0);
        return model;
    }

    /// <summary>The inner task, but training batch <paramref name="oddBatch"/> starts with token <see cref="Odd"/>, the id
    /// one past the inner vocabulary (which the model has, since its vocabulary is this task's).</summary>
    private sealed class WithOddToken(ITask inner, long oddBatch) : ITask
    {
        public int Odd => inner.Vocab;

        public string Description => inner.Description;

        public int Vocab => inner.Vocab + 1;

        public int SequenceLength => inner.SequenceLength;

        public Batch TrainBatch(long step, int batchSize)
        {
            var batch = inner.TrainBatch(step, batchSize);
            if (step != oddBatch) return batch;
            var inputs = (int[])batch.Inputs.Clone();
            inputs[0] = Odd;
            return batch with { Inputs = inputs };
        }

        public IEnumerable<Batch> EvalBatches(int batchSize) => inner.EvalBatches(batchSize);

        public IReadOnlyDictionary<string, string> Describe() => inner.Describe();
    }
}
