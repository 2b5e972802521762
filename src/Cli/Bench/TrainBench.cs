using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary>Tokens per second of full training steps (forward, backward, clipping, AdamW): the default
/// associative-recall model, and a byte-level LM of width 256, 4 layers, L 1024.</summary>
public static class TrainBench
{
    public static IEnumerable<BenchCase> Run(Device device, string? text, int repeats)
    {
        var recall = new AssociativeRecall(TrainCommand.Recipe.Vocab, TrainCommand.Recipe.SequenceLength, 0, 8, 1);
        var recallConfig = new ModelConfig
        {
            Vocab = recall.Vocab, Width = TrainCommand.Recipe.Width, Layers = TrainCommand.Recipe.Layers, InnerWidth = 4 * TrainCommand.Recipe.Width,
            MaxLength = recall.SequenceLength, PositionalDims = 5, SinFrequency = 10, TrainPositional = false,
        };
        yield return Measure(device, "train assoc-recall default", recallConfig, recall, TrainCommand.Recipe.BatchSize, repeats);
        ITask lm = text is not null ? new ByteText(text, 1024, 1) : new SyntheticBytes(1024);
        var lmConfig = new ModelConfig
        {
            Vocab = 256, Width = 256, Layers = 4, InnerWidth = 1024, MaxLength = 1024, PositionalDims = 33, SinFrequency = 14, EmbedDropout = 0,
        };
        yield return Measure(device, "train byte LM 256x4", lmConfig, lm, 8, repeats);
    }

    private static BenchCase Measure(Device device, string name, ModelConfig config, ITask task, int batch, int repeats)
    {
        var options = new TrainingOptions { Steps = 1_000_000, BatchSize = batch, WarmupSteps = 10 };
        using var trainer = new Trainer(new LanguageModel(config, device, 1), task, options);
        device.ResetPeak();
        double ms = Timing.Median(device, () => trainer.TrainOneStep(), 3, repeats, 120);
        return new BenchCase(name, device.Name, batch, config.Width, task.SequenceLength, double.NaN, ms, device.PeakBytes,
            (double)batch * task.SequenceLength / (ms / 1000), $"{config.Layers} layers, full step with AdamW");
    }

    /// <summary>Random bytes, for the LM benchmark when no text file is given (speed does not depend on the data).</summary>
    private sealed class SyntheticBytes(int length) : ITask
    {
        public string Description => "random bytes";
        public int Vocab => 256;
        public int SequenceLength => length;

        public Batch TrainBatch(long step, int batchSize)
        {
            var rng = new SeededRandom((ulong)step);
            var inputs = Enumerable.Range(0, batchSize * length).Select(_ => rng.Next(256)).ToArray();
            return new Batch(inputs, inputs, batchSize, length);
        }

        public IEnumerable<Batch> EvalBatches(int batchSize) => [TrainBatch(0, batchSize)];

        public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string> { ["task"] = "random" };
    }
}
