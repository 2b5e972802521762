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
            var (loss, c, n, norm, failure) = TrainStep(diagnose: true);
            if (failure is not null)
            {
                string what = !double.IsFinite(loss) ? $"loss {loss}" : $"gradient norm {norm}";
                string kept = run is null ? "" : File.Exists(Path.Combine(run.Path, CheckpointFileName))
                    ? "; the last good checkpoint is kept" : "; no checkpoint was written yet";
                string message = $"non-finite {what} at step {Step + 1}{failure}{kept}";
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
    /// Returns the loss and the gradient norm before clipping; a non-finite loss or gradient norm leaves the
    /// parameters unchanged, the step not taken and no gradient behind.</summary>
    public (double Loss, double GradNorm) TrainOneStep()
    {
        Model.Train();
        var (loss, _, _, norm, failure) = TrainStep(diagnose: false);
        if (failure is null) Step++;
        return (loss, norm);
    }

    /// <summary>
    /// One optimizer step over <see cref="TrainingOptions.GradientAccumulation"/> micro-batches. The loss is the mean
    /// over every scored target of the step: micro-batch i, with n_i of the step's N scored targets, backpropagates
    /// its own mean times n_i/N, so k micro-batches of b examples make the update one batch of k·b would, whatever
    /// the ignored targets. Returns that loss, the correct and scored target counts, the gradient norm before
    /// clipping, and, when the loss or the norm is not finite, where (with <paramref name="diagnose"/>: why); then
    /// nothing is updated and the gradients are cleared.
    /// </summary>
    private (double Loss, double Correct, double Counted, double GradNorm, string? Failure) TrainStep(bool diagnose)
    {
        int micro = Options.GradientAccumulation;
        var batches = new Batch[micro];
        var scored = new long[micro];
        for (int i = 0; i < micro; i++)
        {
            batches[i] = Task.TrainBatch(MicroBatchIndex(i), Options.BatchSize);
            scored[i] = batches[i].Targets.Count(t => t != Batch.IgnoreIndex);
        }
        long total = scored.Sum();
        if (total == 0)
            throw new InvalidOperationException($"training step {Step + 1}: its training batches have no scored targets (every target is {Batch.IgnoreIndex})");
        double loss = 0, correct = 0;
        for (int i = 0; i < micro; i++)
        {
            if (scored[i] == 0) continue;
            double weight = (double)scored[i] / total;
            var (value, c) = ForwardBackward(batches[i], MicroBatchIndex(i), (float)weight);
            loss += value * weight;
            correct += c;
            if (double.IsFinite(value)) continue;
            string where = micro > 1 ? $" (micro-batch {i + 1} of {micro})" : "";
            string? why = diagnose ? DiagnoseForward(batches[i], MicroBatchIndex(i)) : null;
            Model.ZeroGrad();
            return (value, correct, total, 0, where + (why is null ? "" : ": " + why));
        }
        var parameters = optimizer.Parameters.Select(p => p.Parameter).ToList();
        double norm = GradientClipping.GlobalNorm(parameters);
        string? failure = null;
        if (double.IsFinite(norm))
            optimizer.Step(schedule.Factor(Step), GradientClipping.Scale(norm, Options.ClipNorm));
        else
            failure = diagnose ? ": " + DiagnoseGradients() : "";
        Model.ZeroGrad();
        return (loss, correct, total, norm, failure);
    }

    /// <summary>Micro-batch <paramref name="i"/> of this step: its batch index, and the seed of its forward pass.</summary>
    private long MicroBatchIndex(int i) => Step * Options.GradientAccumulation + i;

    private ulong MicroBatchSeed(long index) => CounterRng.Mix(Options.Seed, 1_000_000_000UL + (ulong)index);

    /// <summary>Forward, loss and (when the loss is finite) backward of <paramref name="weight"/> times the loss,
    /// adding into the gradients. Returns the loss and the count of correct predictions.</summary>
    private (double Loss, long Correct) ForwardBackward(Batch batch, long index, float weight)
    {
        using var ids = Tensor.FromArray(batch.Inputs, Shape.Of(batch.Size, batch.Length), Device);
        using var targets = Tensor.FromArray(batch.Targets, Shape.Of(batch.Size, batch.Length), Device);
        using var graph = new Graph(seed: MicroBatchSeed(index));
        var logits = Model.Forward(graph.Input(ids));
        var l = LanguageModel.Loss(logits, graph.Input(targets));
        double value = l.Value.Item();
        var (c, _) = Metrics.Correct(logits.Value, batch.Targets);
        if (double.IsFinite(value)) graph.Backward(weight == 1f ? l : Fn.Affine(l, weight, 0f));
        return (value, c);
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
    /// and step. <paramref name="options"/> replaces the stored options (e.g. more steps); the schedule follows it.
    /// With a run directory, its <c>metrics.jsonl</c> is trimmed back to the checkpoint's step
    /// (<see cref="RunDirectory.KeepMetricsUpTo"/>), so the steps run again are logged once.</summary>
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
            trainer.run?.KeepMetricsUpTo(state.Step);
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

    /// <summary>Names what made a micro-batch's loss non-finite: the first parameter holding a non-finite value,
    /// or else the first stage whose output is non-finite when the micro-batch is replayed exactly (same batch, same
    /// seed, same mode, so the same dropout masks).</summary>
    private string DiagnoseForward(Batch batch, long index)
    {
        if (FirstNonFinite(p => p.Value) is { } name) return $"parameter {name} is not finite";
        using var ids = Tensor.FromArray(batch.Inputs, Shape.Of(batch.Size, batch.Length), Device);
        using var graph = new Graph(recordGradients: false, seed: MicroBatchSeed(index));
        var backbone = Model.Backbone;
        var r = backbone.Embeddings.Forward(graph.Input(ids));
        if (!Finite(r)) return "the embedding output (backbone.embeddings) is not finite";
        for (int i = 0; i < backbone.Layers.Count; i++)
        {
            r = backbone.Layers[i].Forward(r);
            if (!Finite(r)) return $"the output of layer {i} (backbone.layers.{i}) is not finite";
        }
        r = backbone.FinalNorm.Forward(r);
        if (!Finite(r)) return "the output of the final norm (backbone.ln_f) is not finite";
        return "every layer's output is finite; the logits or the loss overflowed";
    }

    /// <summary>Names what made the gradient norm non-finite: a non-finite parameter, or the first non-finite gradient.</summary>
    private string DiagnoseGradients()
    {
        if (FirstNonFinite(p => p.Value) is { } name) return $"parameter {name} is not finite";
        if (FirstNonFinite(p => p.Grad) is { } grad) return $"the gradient of {grad} is not finite";
        return "every gradient is finite; their squared norm overflowed";
    }

    private string? FirstNonFinite(Func<Parameter, Tensor?> tensor)
    {
        foreach (var (name, p) in Model.NamedParameters())
            if (tensor(p) is { } t && !t.ToFloatArray().All(float.IsFinite)) return name;
        return null;
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
