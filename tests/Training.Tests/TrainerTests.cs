using HyenaIL.Layers;
using HyenaIL.Training;
using Xunit;

namespace HyenaIL.Tests;

public sealed class TrainerTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "hyenail-train-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private static ModelConfig Small(ITask task) => new()
    {
        Vocab = task.Vocab, Width = 32, Layers = 2, InnerWidth = 64, MaxLength = task.SequenceLength, PositionalDims = 5,
        FilterWidth = 32, SinFrequency = 10, TrainPositional = false, EmbedDropout = 0.1,
    };

    private static TrainingOptions Options(int steps) => new()
    {
        Steps = steps, BatchSize = 16, WarmupSteps = 20, EvalEvery = 0, CheckpointEvery = 0, LogEvery = 10, Seed = 7,
        Optimization = new OptimizerSettings { LearningRate = 3e-3 },
    };

    [Fact]
    public void ASmallModelLearnsAssociativeRecallWellAboveChance()
    {
        // Vocabulary 6: two keys, two values, so chance is 50% on the recalled value; L = 16. With 200 held-out
        // examples, 65% is four standard deviations above chance.
        var task = new AssociativeRecall(6, 16, 0, 200, 11);
        using var trainer = new Trainer(new LanguageModel(Small(task), Device.Cpu, 1), task, Options(400));
        var summary = trainer.Run();
        Assert.Equal(StopReason.Completed, summary.Reason);
        Assert.True(summary.FinalEval!.Accuracy >= 0.65, $"held-out accuracy {summary.FinalEval.Accuracy:P1} after 400 steps; chance is 50%");
    }

    [Fact]
    public void APositionalRateThatDisagreesWithTheModelIsRefusedBeforeAnyStep()
    {
        // The reference's rule: z is frozen exactly when lr_pos_emb is 0 (ModelConfig.TrainPositional decides).
        var task = new AssociativeRecall(6, 16, 0, 20, 11);
        using var frozen = new LanguageModel(Small(task), Device.Cpu, 1);
        var withRate = Options(5) with { Optimization = new OptimizerSettings { LearningRate = 3e-3, PositionalLearningRate = 1e-5 } };
        Assert.Contains("TrainPositional = true", Assert.Throws<ArgumentException>(() => new Trainer(frozen, task, withRate)).Message);
        using var trained = new LanguageModel(Small(task) with { TrainPositional = true }, Device.Cpu, 1);
        var zero = Options(5) with { Optimization = new OptimizerSettings { LearningRate = 3e-3, PositionalLearningRate = 0 } };
        Assert.Contains("pos_emb.z", Assert.Throws<ArgumentException>(() => new Trainer(trained, task, zero)).Message);
    }

    [Fact]
    public void AResumedRunEndsWithTheSameWeightsBitForBit()
    {
        var task = new AssociativeRecall(8, 10, 0, 20, 3);
        float[][] Weights(Trainer t) => t.Model.Parameters().Select(p => p.Value.ToFloatArray()).ToArray();
        float[][] straight;
        using (var t = new Trainer(new LanguageModel(Small(task), Device.Cpu, 5), task, Options(30)))
        {
            t.Run();
            straight = Weights(t);
        }
        string run = Path.Combine(dir, "r");
        using (var t = new Trainer(new LanguageModel(Small(task), Device.Cpu, 5), task, Options(30) with { LogEvery = 1 }, run))
        {
            using var stop = new CancellationTokenSource();
            var summary = t.Run(new Callback(p => { if (p.Step == 12) stop.Cancel(); }), stop.Token);
            Assert.Equal(StopReason.Cancelled, summary.Reason);
        }
        using var resumed = Trainer.Resume(Path.Combine(run, Trainer.CheckpointFileName), task, Device.Cpu, run);
        Assert.Equal(12, resumed.Step);
        resumed.Run();
        var after = Weights(resumed);
        for (int i = 0; i < straight.Length; i++) Assert.Equal(straight[i], after[i]);
    }

    [Fact]
    public void ANonFiniteLossStopsTheRunNamingTheStepAndKeepsTheLastGoodCheckpoint()
    {
        var task = new AssociativeRecall(8, 10, 0, 20, 3);
        string run = Path.Combine(dir, "nan");
        using (var good = new Trainer(new LanguageModel(Small(task), Device.Cpu, 5), task, Options(3), run)) good.Run();
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
        Assert.Matches(@"non-finite .* at step \d+: (parameter|the gradient of|the output of layer|the embedding|every layer)", summary.Message!);
        Assert.Equal(saved, File.ReadAllBytes(checkpoint));
        var file = Checkpoint.Read(checkpoint);
        Assert.All(file.Tensors.Values, t => Assert.All(t.Data, v => Assert.True(float.IsFinite(v), $"{t.Name} holds {v}")));
    }

    [Fact]
    public void CancellationSavesACheckpointAndStops()
    {
        var task = new AssociativeRecall(8, 10, 0, 20, 3);
        string run = Path.Combine(dir, "cancel");
        using var cancel = new CancellationTokenSource();
        using var trainer = new Trainer(new LanguageModel(Small(task), Device.Cpu, 5), task, Options(1000) with { LogEvery = 1 }, run);
        var summary = trainer.Run(new Callback(p => { if (p.Step == 5) cancel.Cancel(); }), cancel.Token);
        Assert.Equal(StopReason.Cancelled, summary.Reason);
        Assert.Equal(5, summary.Steps);
        using var resumed = Trainer.Resume(Path.Combine(run, Trainer.CheckpointFileName), task, Device.Cpu, run);
        Assert.Equal(5, resumed.Step);
    }

    [Fact]
    public void LiveBuffersAreTheSameAtTheStartAndEndOf2000Steps()
    {
        var task = new AssociativeRecall(6, 6, 0, 8, 3);
        var config = Small(task) with { Width = 8, InnerWidth = 8, FilterWidth = 8 };
        using var trainer = new Trainer(new LanguageModel(config, Device.Cpu, 5), task, Options(1) with { BatchSize = 2, LogEvery = 100 });
        trainer.Run();
        using var longer = Trainer.Resume(SaveTo(trainer), task, Device.Cpu, null, o => o with { Steps = 2001 });
        int loaded = Device.Cpu.LiveBuffers;
        longer.Run();
        Assert.Equal(loaded, Device.Cpu.LiveBuffers);
    }

    private string SaveTo(Trainer trainer)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "m.safetensors");
        trainer.SaveCheckpoint(path);
        return path;
    }

    private sealed class Callback(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
