using System.Globalization;
using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary>
/// Which options of <c>hyena train</c> apply to which run, so that none is accepted and then ignored: each option
/// given on the command line either takes effect or is refused with one line saying why. An option given with the
/// value the run already has is accepted (the same command line can be repeated with <c>--resume</c> added).
/// </summary>
internal static class TrainRules
{
    /// <summary>What <c>--resume</c> may change: how far to train, how often to evaluate and checkpoint, and where.</summary>
    public static readonly string[] ChangeableOnResume = ["--steps", "--eval-every", "--checkpoint-every", "--device"];

    /// <summary>A fresh run, from scratch or from <c>--init-from</c>: options that do not apply to its task or mixer.</summary>
    public static void CheckFresh(TrainSettings s, MixerKind mixer)
    {
        if (s.Text is not null && s.Task != "text")
            throw new ArgumentException($"--text trains a byte-level LM (--task text); it cannot be combined with --task {s.Task}");
        if (s.Task == "text" && s.IsGiven("--vocab"))
            throw new ArgumentException($"--vocab is for --task assoc-recall; a text run's vocabulary is the 256 byte values, got --vocab {s.Vocab}");
        if (s.Task == "text" && s.IsGiven("--train-examples"))
            throw new ArgumentException("--train-examples is for --task assoc-recall; a text run draws its training windows from the file's first 90%");
        if (mixer == MixerKind.Hyena && s.IsGiven("--heads"))
            throw new ArgumentException($"--heads is for Transformer models (--model transformer); a Hyena model has no attention heads, got --heads {s.Heads}");
        if (mixer == MixerKind.Attention && s.IsGiven("--order"))
            throw new ArgumentException($"--order is for Hyena models; a Transformer has no Hyena order, got --order {s.Order}");
    }

    /// <summary><c>--init-from</c>: the checkpoint fixes the architecture; the task and training options apply.</summary>
    public static void CheckInitFrom(TrainSettings s, ModelConfig config)
    {
        if (s.Resume is not null) throw new ArgumentException("--resume continues a run from its own checkpoint; it cannot be combined with --init-from");
        foreach (var (option, given, stored) in Architecture(s, config))
            if (s.IsGiven(option) && given != stored)
                throw new ArgumentException($"--init-from {s.InitFrom} fixes the architecture: its model has {option} {stored}, so {option} {given} cannot apply (leave {option} out, or train from scratch)");
        CheckFresh(s, config.Mixer);
    }

    /// <summary><c>--resume</c>: the run continues as it was configured; only <see cref="ChangeableOnResume"/> may differ.</summary>
    public static void CheckResume(TrainSettings s, TrainingState state, ModelConfig config)
    {
        if (s.InitFrom is not null) throw new ArgumentException("--resume continues a run from its own checkpoint; it cannot be combined with --init-from");
        var o = state.Options;
        string? Stored(string key) => state.Task.GetValueOrDefault(key);
        var rows = new List<(string Option, string? Given, string? Stored)>
        {
            ("--task", s.Task, Stored("task")),
            ("--text", s.Text is null ? null : Path.GetFullPath(s.Text), Stored("text")),
            ("--vocab", Text(s.Vocab), Stored("vocab")),
            ("--seq-len", Text(s.SequenceLength), Stored("seq_len")),
            ("--train-examples", Text(s.TrainExamples), Stored("train_examples")),
        };
        rows.AddRange(Architecture(s, config));
        rows.AddRange(
        [
            ("--recompute", Text(s.Recompute), Text(config.RecomputeBlocks)),
            ("--batch-size", Text(s.BatchSize), Text(o.BatchSize)),
            ("--accumulate", Text(s.Accumulate), Text(o.GradientAccumulation)),
            ("--lr", Text(s.LearningRate), Text(o.Optimization.LearningRate)),
            ("--optimizer", s.Optimizer, o.Optimizer == OptimizerKind.Sgd ? "sgd" : "adamw"),
            ("--warmup", Text(s.Warmup), Text(o.WarmupSteps)),
            ("--clip", Text(s.Clip), Text(o.ClipNorm)),
            ("--seed", Text(s.Seed), Text(o.Seed)),
            ("--out", s.Out is null ? null : Path.GetFullPath(s.Out), Path.GetFullPath(s.Resume!)),
        ]);
        foreach (var (option, given, stored) in rows)
        {
            if (!s.IsGiven(option) || given == stored) continue;
            if (stored is null)
                throw new ArgumentException($"--resume {s.Resume}: {option} does not apply to its task ({Stored("task") ?? "unknown"})");
            throw new ArgumentException($"--resume continues {s.Resume} as it was configured, with {option} {stored}; {option} {given} cannot change on resume " +
                                        $"(only {string.Join(", ", ChangeableOnResume)} can)");
        }
        if (s.IsGiven("--steps") && s.Steps <= state.Step)
            throw new ArgumentException($"--resume {s.Resume} is at step {state.Step}; --steps {s.Steps} must be more than that to train further");
    }

    private static IEnumerable<(string Option, string? Given, string? Stored)> Architecture(TrainSettings s, ModelConfig config) =>
    [
        ("--model", s.Model, config.Mixer == MixerKind.Hyena ? "hyena" : "transformer"),
        ("--order", Text(s.Order), Text(config.Order)),
        ("--width", Text(s.Width), Text(config.Width)),
        ("--layers", Text(s.Layers), Text(config.Layers)),
        ("--heads", Text(s.Heads), Text(config.Heads)),
    ];

    private static string Text<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);

    private static string Text(bool value) => value ? "true" : "false";
}
