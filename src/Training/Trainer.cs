using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HyenaIL.Autograd;
using HyenaIL.Layers;

namespace HyenaIL.Training;

/// <summary>
/// Trains a <see cref="LanguageModel"/> on an <see cref="ITask"/>: seeded data order and dropout, AdamW or SGD with
/// parameter groups, warm-up and cosine schedule, gradient clipping and accumulation, held-out evaluation and
/// atomic checkpoints. Every step is a pure function of (seed, step), so a run resumed from a checkpoint on the
/// <c>cpu</c> device ends bit for bit where an uninterrupted run would.
/// </summary>
public sealed class Trainer : IDisposable
{
    public const string StateKey = "hyenail.training_state";
    public const string CheckpointFileName = "checkpoint.safetensors";

    private readonly Optimizer optimizer;
    private readonly WarmupCosine schedule;
    private readonly RunDirectory? run;

    public Trainer(LanguageModel model, ITask task, TrainingOptions options, string? runDirectory = null)
    {
        Model = model;
        Task = task;
        Options = options.Validate();
        if (task.Vocab > model.Config.Vocab)
            throw new ArgumentException($"the task uses {task.Vocab} token ids but the model's vocabulary is {model.Config.Vocab}; use a vocabulary of at least {task.Vocab}");
        if (task.SequenceLength > model.Config.MaxLength)
            throw new ArgumentException($"the task's sequences have length {task.SequenceLength} but the model takes at most {model.Config.MaxLength} (l_max)");
        optimizer = options.Optimizer == OptimizerKind.AdamW
            ? new AdamW(model, options.Optimization)
            : new Sgd(model, options.Optimization);
        schedule = new WarmupCosine(Math.Min(options.WarmupSteps, options.Steps), options.Steps, options.MinRateFactor);
        run = runDirectory is null ? null : new RunDirectory(runDirectory);
    }

    public LanguageModel Model { get; }

    public ITask Task { get; }

    public TrainingOptions Options { get; }

    /// <summary>Optimizer steps completed.</summary>
    public long Step { get; private set; }

    public Device Device => Model.Device;

    /// <summary>Trains until <see cref="TrainingOptions.Steps"/>, cancellation (which saves a checkpoint) or a
    /// non-finite loss (which keeps the last good checkpoint and names the step and the layer).</summary>
    public TrainingSummary Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        run?.WriteConfig(Model.Config, Options, Task);
        var clock = Stopwatch.StartNew();
        long startStep = Step, tokens = 0;
        double lossSum = 0, lastLoss = double.NaN, correct = 0, counted = 0;
        int since = 0;
        EvalResult? eval = null;
        Model.Train();
        while (Step < Options.Steps)
        {
            if (cancel.IsCancellationRequested)
            {
                SaveRunCheckpoint();
                return Finish(StopReason.Cancelled, clock, startStep, tokens, lastLoss, eval, $"cancelled after step {Step}; checkpoint saved");
            }
            var (loss, c, n, norm) = TrainStep();
            if (!double.IsFinite(loss) || !double.IsFinite(norm))
            {
                string what = !double.IsFinite(loss) ? $"loss {loss}" : $"gradient norm {norm}";
                string kept = run is null ? "" : File.Exists(Path.Combine(run.Path, CheckpointFileName))
                    ? "; the last good checkpoint is kept" : "; no checkpoint was written yet";
                string message = $"non-finite {what} at step {Step + 1}: {Diagnose()}{kept}";
                return Finish(StopReason.NonFiniteLoss, clock, startStep, tokens, lastLoss, eval, message);
            }
            Step++;
            tokens += (long)Options.BatchSize * Options.GradientAccumulation * Task.SequenceLength;
            lossSum += loss;
            lastLoss = loss;
            correct += c;
            counted += n;
            since++;
            bool evalNow = Options.EvalEvery > 0 && Step % Options.EvalEvery == 0 || Step == Options.Steps;
            if (evalNow) eval = Evaluate();
            if (Step % Options.LogEvery == 0 || evalNow)
            {
                var p = Report(clock, startStep, tokens, lossSum / since, counted > 0 ? correct / counted : 0, norm, evalNow ? eval : null);
                run?.AppendMetrics(p);
                progress?.Report(p);
                lossSum = correct = counted = 0;
                since = 0;
            }
            if (Options.CheckpointEvery > 0 && Step % Options.CheckpointEvery == 0 && Step < Options.Steps) SaveRunCheckpoint();
        }
        SaveRunCheckpoint();
        return Finish(StopReason.Completed, clock, startStep, tokens, lastLoss, eval, null);
    }

    /// <summary>One optimizer step, without evaluation, checkpoints or reports (for benchmarks and custom loops).
    /// Returns the loss and the gradient norm before clipping; a non-finite loss leaves the parameters unchanged.</summary>
    public (double Loss, double GradNorm) TrainOneStep()
    {
        Model.Train();
        var (loss, _, _, norm) = TrainStep();
        if (double.IsFinite(loss) && double.IsFinite(norm)) Step++;
        return (loss, norm);
    }

    /// <summary>One optimizer step over <see cref="TrainingOptions.GradientAccumulation"/> micro-batches. Returns
    /// the mean loss, the correct and scored target counts, and the gradient norm before clipping.</summary>
    private (double Loss, double Correct, double Counted, double GradNorm) TrainStep()
    {
        int micro = Options.GradientAccumulation;
        double loss = 0, correct = 0, counted = 0;
        for (int i = 0; i < micro; i++)
        {
            long index = Step * micro + i;
            var batch = Task.TrainBatch(index, Options.BatchSize);
            using var ids = Tensor.FromArray(batch.Inputs, Shape.Of(batch.Size, batch.Length), Device);
            using var targets = Tensor.FromArray(batch.Targets, Shape.Of(batch.Size, batch.Length), Device);
            using var graph = new Graph(seed: CounterRng.Mix(Options.Seed, 1_000_000_000UL + (ulong)index));
            var logits = Model.Forward(graph.Input(ids));
            var l = LanguageModel.Loss(logits, graph.Input(targets));
            double value = l.Value.Item();
            loss += value / micro;
            var (c, n) = Metrics.Correct(logits.Value, batch.Targets);
            correct += c;
            counted += n;
            if (!double.IsFinite(value)) return (value, correct, counted, 0);
            graph.Backward(micro > 1 ? Fn.Affine(l, 1f / micro, 0f) : l);
        }
        var parameters = optimizer.Parameters.Select(p => p.Parameter).ToList();
        double norm = GradientClipping.GlobalNorm(parameters);
        if (double.IsFinite(norm))
            optimizer.Step(schedule.Factor(Step), GradientClipping.Scale(norm, Options.ClipNorm));
        Model.ZeroGrad();
        return (loss, correct, counted, norm);
    }

    /// <summary>Mean cross-entropy and accuracy over the task's held-out set, in evaluation mode (no dropout).</summary>
    public EvalResult Evaluate()
    {
        bool training = Model.Training;
        Model.Eval();
        try
        {
            return Metrics.Evaluate(Model, Task.EvalBatches(Options.EvalBatchSize));
        }
        finally
        {
            Model.Train(training);
        }
    }

    /// <summary>Writes the model, the optimizer state and the training state to <paramref name="path"/>, atomically.</summary>
    public void SaveCheckpoint(string path)
    {
        var state = new TrainingState(Step, optimizer.StepCount, Options, Task.Describe().ToDictionary());
        Checkpoint.Save(path, Model, new Dictionary<string, string> { [StateKey] = JsonSerializer.Serialize(state) }, optimizer.State());
    }

    /// <summary>Rebuilds a trainer from a checkpoint written by <see cref="SaveCheckpoint"/>: model, optimizer state
    /// and step. <paramref name="options"/> replaces the stored options (e.g. more steps); the schedule follows it.</summary>
    public static Trainer Resume(string checkpointPath, ITask task, Device device, string? runDirectory, Func<TrainingOptions, TrainingOptions>? options = null)
    {
        var file = Checkpoint.Read(checkpointPath);
        if (!file.Metadata.TryGetValue(StateKey, out var json))
            throw new CheckpointException($"checkpoint {checkpointPath} has no training state (it holds a model only); use --init-from to start from its weights");
        var state = JsonSerializer.Deserialize<TrainingState>(json)
                    ?? throw new CheckpointException($"checkpoint {checkpointPath}: its training state is empty");
        var model = new LanguageModel(Checkpoint.ConfigOf(file), device, state.Options.Seed);
        try
        {
            Checkpoint.LoadInto(model, file);
            var trainer = new Trainer(model, task, options?.Invoke(state.Options) ?? state.Options, runDirectory);
            trainer.optimizer.LoadState(file, state.OptimizerSteps);
            trainer.Step = state.Step;
            return trainer;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private void SaveRunCheckpoint()
    {
        if (run is not null) SaveCheckpoint(Path.Combine(run.Path, CheckpointFileName));
    }

    /// <summary>Names what went wrong after a non-finite loss: the first parameter holding a non-finite value or
    /// gradient, or else the first layer whose output is non-finite on the failing batch.</summary>
    private string Diagnose()
    {
        foreach (var (name, p) in Model.NamedParameters())
        {
            if (p.Value.ToFloatArray().Any(v => !float.IsFinite(v))) return $"parameter {name} is not finite";
            if (p.Grad is not null && p.Grad.ToFloatArray().Any(v => !float.IsFinite(v))) return $"the gradient of {name} is not finite";
        }
        var batch = Task.TrainBatch(Step * Options.GradientAccumulation, Options.BatchSize);
        using var ids = Tensor.FromArray(batch.Inputs, Shape.Of(batch.Size, batch.Length), Device);
        using var graph = new Graph(recordGradients: false);
        var r = Model.Backbone.Embeddings.Forward(graph.Input(ids));
        if (!Finite(r)) return "the embedding output is not finite";
        for (int i = 0; i < Model.Backbone.Layers.Count; i++)
        {
            r = Model.Backbone.Layers[i].Forward(r);
            if (!Finite(r)) return $"the output of layer {i} (backbone.layers.{i}) is not finite";
        }
        return "every layer's output is finite; the loss itself overflowed";
    }

    private static bool Finite(Var v) => v.Value.ToFloatArray().All(float.IsFinite);

    private TrainingProgress Report(Stopwatch clock, long startStep, long tokens, double loss, double accuracy, double norm, EvalResult? eval)
    {
        double seconds = clock.Elapsed.TotalSeconds;
        long done = Step - startStep, left = Options.Steps - Step;
        var eta = done > 0 ? TimeSpan.FromSeconds(seconds / done * left) : TimeSpan.Zero;
        double rate = Options.Optimization.LearningRate * schedule.Factor(Math.Max(0, Step - 1));
        return new TrainingProgress(Step, Options.Steps, loss, accuracy, rate, norm, tokens / Math.Max(seconds, 1e-9), clock.Elapsed, eta, eval);
    }

    private TrainingSummary Finish(StopReason reason, Stopwatch clock, long startStep, long tokens, double loss, EvalResult? eval, string? message)
    {
        var summary = new TrainingSummary(reason, Step, loss, eval, clock.Elapsed, tokens / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), message);
        run?.WriteSummary(summary);
        return summary;
    }

    public void Dispose()
    {
        optimizer.Dispose();
        Model.Dispose();
    }
}

/// <summary>What a checkpoint records about training, as JSON in its metadata.</summary>
public sealed record TrainingState(long Step, long OptimizerSteps, TrainingOptions Options, Dictionary<string, string> Task)
{
    public string TaskSetting(string key) => Task.TryGetValue(key, out var v) ? v
        : throw new CheckpointException($"the checkpoint's task settings lack '{key}'");

    public int TaskInt(string key) => int.Parse(TaskSetting(key), CultureInfo.InvariantCulture);
}
