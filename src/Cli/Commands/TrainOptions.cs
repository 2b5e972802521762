using System.CommandLine;
using HyenaIL.Layers;
using HyenaIL.Training;
using R = HyenaIL.Cli.TrainCommand.Recipe;

namespace HyenaIL.Cli;

/// <summary>Everything <c>hyena train</c> was asked for.</summary>
public sealed record TrainSettings
{
    public string Task { get; init; } = "assoc-recall";
    public string? Text { get; init; }
    public int Vocab { get; init; }
    public int SequenceLength { get; init; }
    public int TrainExamples { get; init; }
    public string Model { get; init; } = "hyena";
    public int Order { get; init; }
    public int Width { get; init; }
    public int Layers { get; init; }
    public int Heads { get; init; }
    public int Steps { get; init; }
    public int BatchSize { get; init; }
    public int Accumulate { get; init; }
    public double LearningRate { get; init; }
    public string Optimizer { get; init; } = "adamw";
    public int Warmup { get; init; }
    public double Clip { get; init; }
    public int EvalEvery { get; init; }
    public int CheckpointEvery { get; init; }
    public ulong Seed { get; init; }
    public string? Device { get; init; }
    public string? Out { get; init; }
    public string? Resume { get; init; }
    public string? InitFrom { get; init; }
    public bool Recompute { get; init; }

    /// <summary>The options given on the command line (by name, e.g. "--lr"); an option left at its default is not
    /// in it.</summary>
    public IReadOnlySet<string> Given { get; init; } = new HashSet<string>();

    public bool IsGiven(string option) => Given.Contains(option);

    public ModelConfig ModelConfig(ITask task)
    {
        var mixer = Model == "transformer" ? MixerKind.Attention : MixerKind.Hyena;
        bool recall = task is AssociativeRecall;
        return new ModelConfig
        {
            Vocab = task.Vocab, Width = Width, Layers = Layers, InnerWidth = 4 * Width, MaxLength = task.SequenceLength,
            Mixer = mixer, Order = Order, Heads = Heads,
            // The reference's settings for each kind of task (reference/hyena.md §3.4, §4.2). z is frozen for the
            // synthetics (their lr_pos_emb is 0) and trained for text; the optimizer's PositionalLearningRate stays
            // unset, so it follows the model (OptimizerSettings.PositionalLearningRate).
            PositionalDims = recall ? 5 : 33, SinFrequency = recall ? 10 : 14, TrainPositional = !recall, EmbedDropout = recall ? 0.1 : 0.0,
            RecomputeBlocks = Recompute,
        }.Validate();
    }

    public TrainingOptions TrainingOptions() => new TrainingOptions
    {
        Steps = Steps, BatchSize = BatchSize, GradientAccumulation = Accumulate,
        Optimizer = Optimizer == "sgd" ? OptimizerKind.Sgd : OptimizerKind.AdamW,
        Optimization = new OptimizerSettings { LearningRate = LearningRate, WeightDecay = Optimizer == "sgd" ? 0 : 0.1 },
        WarmupSteps = Warmup, ClipNorm = Clip, EvalEvery = EvalEvery, CheckpointEvery = CheckpointEvery, Seed = Seed,
    }.Validate();
}

/// <summary>The options of <c>hyena train</c>, with their defaults (the default recipe).</summary>
public sealed class TrainOptions
{
    private readonly Option<string> task = new Option<string>("--task") { Description = "assoc-recall or text", DefaultValueFactory = _ => "assoc-recall" }.AcceptOnly("assoc-recall", "text");
    private readonly Option<string?> text = new("--text") { Description = "Train a byte-level LM on this file (implies --task text; evaluations during training score at most 256 held-out windows)." };
    private readonly Option<int> vocab = new("--vocab") { Description = "Associative recall: vocabulary, counting the two special tokens.", DefaultValueFactory = _ => R.Vocab };
    private readonly Option<int> seqLen = new("--seq-len") { Description = "Sequence length L the model sees.", DefaultValueFactory = _ => R.SequenceLength };
    private readonly Option<int> trainExamples = new("--train-examples") { Description = "Associative recall: a fixed training set of N examples (0: fresh examples every step).", DefaultValueFactory = _ => 0 };
    private readonly Option<string> model = new Option<string>("--model") { Description = "hyena or transformer", DefaultValueFactory = _ => "hyena" }.AcceptOnly("hyena", "transformer");
    private readonly Option<int> order = new("--order") { Description = "Hyena order N.", DefaultValueFactory = _ => 2 };
    private readonly Option<int> width = new("--width") { Description = "Model width D.", DefaultValueFactory = _ => R.Width };
    private readonly Option<int> layers = new("--layers") { Description = "Number of blocks.", DefaultValueFactory = _ => R.Layers };
    private readonly Option<int> heads = new("--heads") { Description = "Attention heads (transformer).", DefaultValueFactory = _ => 4 };
    private readonly Option<int> steps = new("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => R.Steps };
    private readonly Option<int> batch = new("--batch-size") { Description = "Sequences per step.", DefaultValueFactory = _ => R.BatchSize };
    private readonly Option<int> accumulate = new("--accumulate") { Description = "Micro-batches per step (gradient accumulation).", DefaultValueFactory = _ => 1 };
    private readonly Option<double> lr = new("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => R.LearningRate };
    private readonly Option<string> optimizer = new Option<string>("--optimizer") { Description = "adamw or sgd", DefaultValueFactory = _ => "adamw" }.AcceptOnly("adamw", "sgd");
    private readonly Option<int> warmup = new("--warmup") { Description = "Linear warm-up steps.", DefaultValueFactory = _ => R.WarmupSteps };
    private readonly Option<double> clip = new("--clip") { Description = "Clip the gradient norm (0: off).", DefaultValueFactory = _ => 1.0 };
    private readonly Option<int> evalEvery = new("--eval-every") { Description = "Evaluate every N steps.", DefaultValueFactory = _ => 250 };
    private readonly Option<int> checkpointEvery = new("--checkpoint-every") { Description = "Checkpoint every N steps.", DefaultValueFactory = _ => 500 };
    private readonly Option<ulong> seed = new("--seed") { Description = "Seed of initialisation, data and dropout.", DefaultValueFactory = _ => 1UL };
    private readonly Option<string?> device = new("--device") { Description = $"Device: {DeviceSelector.KnownNames} (default: HYENAIL_DEVICE, else auto)." };
    private readonly Option<string?> output = new("--out") { Description = "Run folder (default runs/<date-time>)." };
    private readonly Option<string?> resume = new("--resume") { Description = "Continue the run in this folder from its checkpoint." };
    private readonly Option<string?> initFrom = new("--init-from") { Description = "Start from this safetensors checkpoint's weights (HyenaIL's or the reference's names)." };
    private readonly Option<bool> recompute = new("--recompute") { Description = "Recompute block activations in backward: less memory for long sequences, one more forward pass." };

    private Option[] All => [task, text, vocab, seqLen, trainExamples, model, order, width, layers, heads, steps, batch, accumulate, lr, optimizer, warmup, clip, evalEvery, checkpointEvery, seed, device, output, resume, initFrom, recompute];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    public TrainSettings Read(ParseResult p)
    {
        string? textFile = p.GetValue(text);
        return new TrainSettings
        {
            Given = All.Where(o => p.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToHashSet(StringComparer.Ordinal),
            Task = textFile is not null && p.GetResult(task) is not { Implicit: false } ? "text" : p.GetValue(task)!,
            Text = textFile, Vocab = p.GetValue(vocab), SequenceLength = p.GetValue(seqLen), TrainExamples = p.GetValue(trainExamples),
            Model = p.GetValue(model)!, Order = p.GetValue(order), Width = p.GetValue(width), Layers = p.GetValue(layers), Heads = p.GetValue(heads),
            Steps = p.GetValue(steps), BatchSize = p.GetValue(batch),
            Accumulate = p.GetValue(accumulate), LearningRate = p.GetValue(lr), Optimizer = p.GetValue(optimizer)!, Warmup = p.GetValue(warmup),
            Clip = p.GetValue(clip), EvalEvery = p.GetValue(evalEvery), CheckpointEvery = p.GetValue(checkpointEvery), Seed = p.GetValue(seed),
            Device = p.GetValue(device), Out = p.GetValue(output), Resume = p.GetValue(resume), InitFrom = p.GetValue(initFrom),
            Recompute = p.GetValue(recompute),
        };
    }
}

internal static class OptionExtensions
{
    public static Option<T> AcceptOnly<T>(this Option<T> option, params string[] values)
    {
        option.AcceptOnlyFromAmong(values);
        return option;
    }
}
