using System.CommandLine;
using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary>
/// <c>hyena train</c>: with no arguments, the default recipe (<see cref="Recipe"/>) trains a Hyena model on
/// associative recall on the best device. Every setting can be changed by an option.
/// </summary>
public static class TrainCommand
{
    /// <summary>
    /// The default recipe, chosen to reach ≥ 99% held-out accuracy on associative recall in well under ten minutes
    /// on a 2-core CPU (measured figures in README.md and bench/RESULTS.md).
    /// </summary>
    public static class Recipe
    {
        public const int Vocab = 10;
        public const int SequenceLength = 64;
        public const int Width = 64;
        public const int Layers = 2;
        public const int Steps = 4000;
        public const int BatchSize = 32;
        public const double LearningRate = 1e-3;
        public const int WarmupSteps = 100;
        public const int TestExamples = 500;
    }

    public static Command Create()
    {
        var o = new TrainOptions();
        var command = new Command("train", "Train a model: associative recall by default, or a byte-level LM with --text.");
        o.AddTo(command);
        command.SetAction(parse => Run(o.Read(parse)));
        return command;
    }

    private static int Run(TrainSettings s)
    {
        using var device = Devices.Open(s.Device);
        string outDir = s.Resume ?? s.Out ?? Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        using var trainer = s.Resume is not null ? Resume(s, device) : Fresh(s, device, outDir);
        Console.WriteLine($"task: {trainer.Task.Description}" +
                          (trainer.Task is ByteText { MaxEvalWindows: > 0 and var w } ? $"; evaluations score at most {w} held-out windows" : ""));
        var c = trainer.Model.Config;
        Console.WriteLine($"model: {(c.Mixer == MixerKind.Hyena ? $"Hyena order {c.Order}" : $"Transformer, {c.Heads} heads")}, width {c.Width}, " +
                          $"{c.Layers} layers, {trainer.Model.ParameterCount():N0} trained parameters");
        Console.WriteLine($"training: {trainer.Options.Steps} steps from step {trainer.Step}, batch {trainer.Options.BatchSize}, " +
                          $"{trainer.Options.Optimizer} lr {trainer.Options.Optimization.LearningRate}, seed {trainer.Options.Seed}; run folder {Path.GetFullPath(outDir)}");
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (cancel.IsCancellationRequested) return; // a second Ctrl-C ends the process at once
            e.Cancel = true;
            cancel.Cancel();
            Console.Error.WriteLine("\nhyena: stopping after this step and saving a checkpoint (Ctrl-C again to abort)");
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var printer = new ProgressPrinter(Console.Out, Console.IsOutputRedirected);
            var summary = trainer.Run(printer, cancel.Token);
            printer.Finish();
            return Report(summary, outDir);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static Trainer Fresh(TrainSettings s, Device device, string outDir)
    {
        if (File.Exists(Path.Combine(outDir, Trainer.CheckpointFileName)))
            throw new ArgumentException($"{outDir} already holds a run; continue it with --resume {outDir}, or choose another --out");
        CheckpointFile? init = s.InitFrom is null ? null : Checkpoint.Read(s.InitFrom);
        var initConfig = init is null ? null : Checkpoint.ConfigOf(init) with { RecomputeBlocks = s.Recompute };
        if (initConfig is null) TrainRules.CheckFresh(s, s.Model == "transformer" ? MixerKind.Attention : MixerKind.Hyena);
        else TrainRules.CheckInitFrom(s, initConfig);
        var task = Tasks.Create(s.Task, s.Text, s.Vocab, s.SequenceLength, s.TrainExamples, s.Seed);
        var model = new LanguageModel(initConfig ?? s.ModelConfig(task), device, s.Seed);
        try
        {
            if (init is not null)
            {
                var load = Checkpoint.LoadInto(model, init);
                if (load.ConversionNote() is { Length: > 0 } note) Console.Error.WriteLine($"{s.InitFrom}: {note}");
                Console.WriteLine($"initialised from {s.InitFrom}");
            }
            return new Trainer(model, task, s.TrainingOptions(), outDir);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static Trainer Resume(TrainSettings s, Device device)
    {
        string path = Path.Combine(s.Resume!, Trainer.CheckpointFileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"--resume {s.Resume}: no {Trainer.CheckpointFileName} there", path);
        var file = Checkpoint.Read(path);
        var state = Tasks.StateOf(file);
        TrainRules.CheckResume(s, state, Checkpoint.ConfigOf(file));
        var task = Tasks.FromState(new StoredTask(path, state), Tasks.TrainEvalWindows);
        var o = state.Options;
        string extended = s.IsGiven("--steps") && s.Steps != o.Steps
            ? $"; training to step {s.Steps} instead of {o.Steps}, so the cosine schedule now decays over {s.Steps} steps"
            : "";
        Console.WriteLine($"resuming {s.Resume} at step {state.Step} of {o.Steps}{extended}");
        return Trainer.Resume(path, task, device, s.Resume, stored => stored with
        {
            Steps = s.IsGiven("--steps") ? s.Steps : stored.Steps,
            EvalEvery = s.IsGiven("--eval-every") ? s.EvalEvery : stored.EvalEvery,
            CheckpointEvery = s.IsGiven("--checkpoint-every") ? s.CheckpointEvery : stored.CheckpointEvery,
        });
    }

    private static int Report(TrainingSummary summary, string outDir)
    {
        string eval = summary.FinalEval is { } e ? $"held-out loss {e.Loss:F4}, accuracy {e.Accuracy:P2}" : "no evaluation";
        string reason = summary.Reason == StopReason.NonFiniteLoss ? "stopped (non-finite loss)" : summary.Reason.ToString().ToLowerInvariant();
        Console.WriteLine($"{reason} after {summary.Steps} steps in {summary.Elapsed.TotalSeconds:F1} s ({summary.TokensPerSecond:N0} tokens/s): {eval}");
        string checkpoint = Path.GetFullPath(Path.Combine(outDir, Trainer.CheckpointFileName));
        if (File.Exists(checkpoint)) Console.WriteLine($"checkpoint: {checkpoint}");
        if (summary.Reason == StopReason.NonFiniteLoss)
        {
            Console.Error.WriteLine($"hyena: {summary.Message}");
            return CliRunner.Failure;
        }
        return 0;
    }
}
