using System.Text.Json.Nodes;
using HyenaIL.Fft;
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

    /// <summary>
    /// A run killed after step 12, whose last checkpoint is step 10's, resumed from that checkpoint, ends with the
    /// same weights and optimizer state, bit for bit, as an uninterrupted run, and its metrics.jsonl has one line per
    /// logged step, the same as the uninterrupted run's but for the timings. L = 10 takes the direct long
    /// convolution, L = 64 (the default recipe's) the FFT; both with evaluations, checkpoints every 5 steps and
    /// 2 accumulated micro-batches per step.
    /// </summary>
    [Theory]
    [InlineData(10, LongConvMethod.Direct)]
    [InlineData(64, LongConvMethod.Fft)]
    public void AKilledRunResumedFromItsLastCheckpointEndsBitForBitAndLogsEachStepOnce(int length, LongConvMethod method)
    {
        Assert.Equal(method, LongConv.Method(length));
        var task = new AssociativeRecall(8, length, 0, 12, 3);
        var config = TrainingTestKit.Tiny(task);
        var options = Options(24) with
        {
            BatchSize = 4, GradientAccumulation = 2, EvalEvery = 5, CheckpointEvery = 5, LogEvery = 1, EvalBatchSize = 8,
        };
        string straight = Path.Combine(dir, "straight"), killed = Path.Combine(dir, "killed");
        using (var t = new Trainer(new LanguageModel(config, Device.Cpu, 5), task, options, straight))
            Assert.Equal(StopReason.Completed, t.Run().Reason);

        string checkpoint = Path.Combine(killed, Trainer.CheckpointFileName);
        byte[]? atStep10 = null;
        using (var t = new Trainer(new LanguageModel(config, Device.Cpu, 5), task, options, killed))
        {
            using var stop = new CancellationTokenSource();
            t.Run(new InlineProgress<TrainingProgress>(p =>
            {
                if (p.Step == 11) atStep10 = File.ReadAllBytes(checkpoint);
                if (p.Step == 12) stop.Cancel();
            }), stop.Token);
        }
        // What a kill during step 13 leaves: the checkpoint of step 10, metrics up to step 12, a torn line for
        // step 13, and the temporary file of a checkpoint write in flight.
        File.WriteAllBytes(checkpoint, atStep10!);
        File.AppendAllText(Path.Combine(killed, RunDirectory.MetricsFileName), "{\"step\":13,\"loss\":0.5");
        string temporary = Path.Combine(killed, $".{Trainer.CheckpointFileName}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temporary, atStep10![..100]);

        using (var resumed = Trainer.Resume(checkpoint, task, Device.Cpu, killed))
        {
            Assert.Equal(10, resumed.Step);
            Assert.False(File.Exists(temporary), "the stale checkpoint temporary should be removed when the run folder is opened");
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), Logged(killed).Select(l => l.Step));
            Assert.Equal(StopReason.Completed, resumed.Run().Reason);
        }

        TrainingTestKit.AssertSameBits(TrainingTestKit.Bits(Path.Combine(straight, Trainer.CheckpointFileName)), TrainingTestKit.Bits(checkpoint));
        Assert.Equal(Logged(straight), Logged(killed));
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), Logged(killed).Select(l => l.Step));
        Assert.Equal(5, Logged(killed).Count(l => l.Line.Contains("eval_loss", StringComparison.Ordinal)));   // steps 5, 10, 15, 20, 24
    }

    /// <summary>metrics.jsonl's lines without the timings (tokens_per_s, elapsed_s), which differ from run to run.</summary>
    private static List<(long Step, string Line)> Logged(string run) =>
        File.ReadAllLines(Path.Combine(run, RunDirectory.MetricsFileName)).Select(line =>
        {
            var o = JsonNode.Parse(line)!.AsObject();
            o.Remove("tokens_per_s");
            o.Remove("elapsed_s");
            return (o["step"]!.GetValue<long>(), o.ToJsonString());
        }).ToList();

    [Fact]
    public void CancellationSavesACheckpointAndStops()
    {
        var task = new AssociativeRecall(8, 10, 0, 20, 3);
        string run = Path.Combine(dir, "cancel");
        using var cancel = new CancellationTokenSource();
        using var trainer = new Trainer(new LanguageModel(Small(task), Device.Cpu, 5), task, Options(1000) with { LogEvery = 1 }, run);
        var summary = trainer.Run(new InlineProgress<TrainingProgress>(p => { if (p.Step == 5) cancel.Cancel(); }), cancel.Token);
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

    /// <summary>The same on the default recipe's path: L = 64 (FFT long convolutions), a run folder, evaluations,
    /// checkpoints and accumulated micro-batches.</summary>
    [Fact]
    public void LiveBuffersAreTheSameAtTheStartAndEndOfFftStepsWithEvalsCheckpointsAndAccumulation()
    {
        const int steps = FftFlatMemorySteps;
        var task = new AssociativeRecall(6, 64, 0, 8, 3);
        Assert.Equal(LongConvMethod.Fft, LongConv.Method(task.SequenceLength));
        var options = Options(1) with
        {
            BatchSize = 2, GradientAccumulation = 2, EvalEvery = 50, EvalBatchSize = 4, CheckpointEvery = 100, LogEvery = 25,
        };
        string run = Path.Combine(dir, "flat");
        using (var first = new Trainer(new LanguageModel(TrainingTestKit.Tiny(task), Device.Cpu, 5), task, options, run))
            first.Run();   // one step, an evaluation and a checkpoint: every one-off allocation happens here
        using var longer = Trainer.Resume(Path.Combine(run, Trainer.CheckpointFileName), task, Device.Cpu, run, o => o with { Steps = steps + 1 });
        int loaded = Device.Cpu.LiveBuffers;
        var summary = longer.Run();
        Assert.Equal(StopReason.Completed, summary.Reason);
        Assert.Equal(steps + 1, summary.Steps);
        Assert.Equal(loaded, Device.Cpu.LiveBuffers);
    }

    private const int FftFlatMemorySteps = 2000;

    private string SaveTo(Trainer trainer)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "m.safetensors");
        trainer.SaveCheckpoint(path);
        return path;
    }
}
