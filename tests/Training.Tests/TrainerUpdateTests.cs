using HyenaIL.Autograd;
using HyenaIL.Layers;
using HyenaIL.Training;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>What one optimizer step of the trainer does to the weights: gradient accumulation, and SGD with its
/// schedule, parameter groups, weight decay, momentum and clipping.</summary>
public sealed class TrainerUpdateTests
{
    private static TrainingOptions SgdOptions(int batch, int accumulation, double lr, double momentum = 0, double weightDecay = 0) => new()
    {
        Steps = 10, BatchSize = batch, GradientAccumulation = accumulation, Optimizer = OptimizerKind.Sgd, WarmupSteps = 0,
        ClipNorm = 0, EvalEvery = 0, CheckpointEvery = 0, Seed = 7,
        Optimization = new OptimizerSettings { LearningRate = lr, Momentum = momentum, WeightDecay = weightDecay },
    };

    /// <summary>
    /// Four micro-batches of 3 examples make the update one batch of 12 makes, with the loss averaged over every
    /// scored target of the step although the micro-batches score 36 and 3 targets in turn (ignore-index targets).
    /// <para>Tolerance: both sum the same per-token gradients, grouped differently, so they differ by float32
    /// rounding (measured: about 1e-6 of the update). 1e-4 of each tensor's largest update, plus 2 ulps of its
    /// largest weight for the rounding of w − lr·g, leaves room for that. Averaging the micro-batches' own means
    /// instead weights a target of a sparse micro-batch 12 times as much as one of a full micro-batch, which
    /// changes the update by far more than 1e-4 of its size.</para>
    /// </summary>
    [Fact]
    public void KMicroBatchesOfBMakeTheUpdateOneBatchOfKTimesBMakes()
    {
        var task = new Consecutive(vocab: 8, length: 12);
        var config = TrainingTestKit.Tiny(task, embedDropout: 0);   // no dropout: the masks would depend on the batch split
        using var accumulated = new Trainer(new LanguageModel(config, Device.Cpu, 5), task, SgdOptions(batch: 3, accumulation: 4, lr: 0.5));
        using var whole = new Trainer(new LanguageModel(config, Device.Cpu, 5), task, SgdOptions(batch: 12, accumulation: 1, lr: 0.5));
        var start = Weights(whole.Model);
        for (int step = 0; step < 3; step++)
        {
            var (lossA, _) = accumulated.TrainOneStep();
            var (lossB, _) = whole.TrainOneStep();
            Assert.True(Math.Abs(lossA - lossB) <= 1e-6 * lossB, $"step {step + 1}: loss {lossA:R} accumulated, {lossB:R} in one batch");
        }
        var a = Weights(accumulated.Model);
        var b = Weights(whole.Model);
        double largest = 0;
        foreach (var (name, wb) in b)
        {
            var wa = a[name];
            var w0 = start[name];
            double update = 0, scale = 0, worst = 0;
            for (int i = 0; i < wb.Length; i++)
            {
                update = Math.Max(update, Math.Abs(wb[i] - w0[i]));
                scale = Math.Max(scale, Math.Abs(wb[i]));
                worst = Math.Max(worst, Math.Abs(wa[i] - wb[i]));
            }
            double allowed = 1e-4 * update + 2 * 1.2e-7 * scale;
            Assert.True(worst <= allowed, $"{name}: the accumulated and the whole-batch weights differ by {worst:E2} (allowed {allowed:E2}; largest update {update:E2})");
            largest = Math.Max(largest, update);
        }
        Assert.True(largest > 1e-2, $"the largest update is {largest:E2}: too small for the comparison to mean anything");
    }

    /// <summary>
    /// Two SGD steps, worked out here from the gradients of the same batches: for each parameter,
    /// g' = s·g + wd·w, b = μ·b_prev + g', w ← w − lr_group·f(step)·b, with f the warm-up factor (½ at step 0, 1 at step 1),
    /// s the clipping factor min(1, clip/‖g‖), the default group at lr with weight decay wd and the filter group at its
    /// own rate and decay (its clipped gradients are tiny, so its decay is what moves it measurably).
    /// <para>Tolerance: the trainer computes the same formula in float32: a few roundings of |w| ≤ ~1, so 1e-6 absolute
    /// and 2e-6 relative. Each group's update is checked to exceed 1e-4, 100 times that, and a wrong rate, factor,
    /// decay, momentum or clipping factor changes it by a sizeable fraction of itself.</para>
    /// </summary>
    [Fact]
    public void SgdStepsFollowTheScheduleTheGroupsMomentumWeightDecayAndClipping()
    {
        const double lr = 0.2, filterLr = 0.05, momentum = 0.5, wd = 0.1, filterWd = 0.3, clip = 0.05;
        var task = new AssociativeRecall(8, 12, 0, 4, 3);
        var options = SgdOptions(batch: 4, accumulation: 1, lr: lr, momentum: momentum, weightDecay: wd) with
        {
            WarmupSteps = 2, ClipNorm = clip, Optimization = new OptimizerSettings { LearningRate = lr, FilterLearningRate = filterLr, FilterWeightDecay = filterWd, Momentum = momentum, WeightDecay = wd },
        };
        using var trainer = new Trainer(new LanguageModel(TrainingTestKit.Tiny(task, embedDropout: 0), Device.Cpu, 5), task, options);
        var trained = trainer.Model.NamedParameters().Where(p => p.Parameter.Trainable).ToList();
        Assert.Contains(trained, p => p.Parameter.Group == ParameterGroup.Filter);
        Assert.DoesNotContain(trained, p => p.Parameter.Group == ParameterGroup.Positional);   // frozen (TrainPositional = false)
        var start = Weights(trainer.Model);
        var w = trained.ToDictionary(p => p.Name, p => start[p.Name].Select(v => (double)v).ToArray());
        var buffer = trained.ToDictionary(p => p.Name, p => new double[w[p.Name].Length]);
        double[] factor = [0.5, 1.0];
        for (int step = 0; step < 2; step++)
        {
            var g = Gradients(trainer.Model, task.TrainBatch(step, 4));
            double norm = Math.Sqrt(g.Values.Sum(x => x.Sum(v => v * v)));
            Assert.True(norm > 2 * clip, $"step {step + 1}: gradient norm {norm:F4} must exceed the clipping norm {clip} for clipping to be tested");
            double s = (float)(clip / (norm + 1e-6));
            foreach (var (name, p) in trained)
            {
                bool filter = p.Group == ParameterGroup.Filter;
                double rate = (filter ? filterLr : lr) * factor[step], decay = filter ? filterWd : wd;
                for (int i = 0; i < w[name].Length; i++)
                {
                    buffer[name][i] = momentum * buffer[name][i] + s * g[name][i] + decay * w[name][i];
                    w[name][i] -= rate * buffer[name][i];
                }
            }
            trainer.TrainOneStep();
            var actual = Weights(trainer.Model);
            foreach (var (name, _) in trained)
                HyenaIL.TestSupport.Tolerance.AssertClose(w[name], actual[name].Select(v => (double)v).ToArray(), $"step {step + 1}: {name}",
                    rtol: 2e-6, atol: 1e-6, requireSignal: false);   // biases start at 0; the groups' movement is checked below
        }
        foreach (var group in new[] { ParameterGroup.Default, ParameterGroup.Filter })
        {
            double moved = trained.Where(p => p.Parameter.Group == group)
                .Max(p => w[p.Name].Zip(start[p.Name], (x, x0) => Math.Abs(x - x0)).Max());
            Assert.True(moved > 1e-4, $"the {group} group moved at most {moved:E2}: too little to test its rate");
        }
        Assert.Equal(2, trainer.Step);
    }

    private static Dictionary<string, float[]> Weights(LanguageModel model) =>
        model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.ToFloatArray());

    /// <summary>The gradient of the mean loss over <paramref name="batch"/> at the model's current weights (in
    /// training mode, which without dropout computes what evaluation mode does); the model's gradients are cleared after.</summary>
    private static Dictionary<string, double[]> Gradients(LanguageModel model, Batch batch)
    {
        using var ids = Tensor.FromArray(batch.Inputs, Shape.Of(batch.Size, batch.Length), Device.Cpu);
        using var targets = Tensor.FromArray(batch.Targets, Shape.Of(batch.Size, batch.Length), Device.Cpu);
        var grads = new Dictionary<string, double[]>();
        using (var graph = new Graph())
        {
            graph.Backward(LanguageModel.Loss(model.Forward(graph.Input(ids)), graph.Input(targets)));
            foreach (var (name, p) in model.NamedParameters())
                if (p.Grad is { } g) grads[name] = g.ToFloatArray().Select(v => (double)v).ToArray();
        }
        model.ZeroGrad();
        return grads;
    }

    /// <summary>
    /// Random tokens where batch s of size b is examples s·b … s·b + b − 1 of one fixed sequence, so the k micro-batches
    /// of size b at step s are exactly batch s of size k·b. Example j scores all its L targets when j mod 6 &lt; 3 and
    /// only its last otherwise, so micro-batches of 3 score 3L and 3 targets in turn.
    /// </summary>
    private sealed class Consecutive(int vocab, int length) : ITask
    {
        public string Description => "consecutive random examples";

        public int Vocab => vocab;

        public int SequenceLength => length;

        public Batch TrainBatch(long step, int batchSize)
        {
            var inputs = new int[batchSize * length];
            var targets = new int[batchSize * length];
            for (int i = 0; i < batchSize; i++)
            {
                long j = step * batchSize + i;
                var rng = new SeededRandom(CounterRng.Mix(99, (ulong)j));
                var tokens = Enumerable.Range(0, length + 1).Select(_ => rng.Next(vocab)).ToArray();
                Array.Copy(tokens, 0, inputs, i * length, length);
                Array.Copy(tokens, 1, targets, i * length, length);
                if (j % 6 >= 3) Array.Fill(targets, Batch.IgnoreIndex, i * length, length - 1);
            }
            return new Batch(inputs, targets, batchSize, length);
        }

        public IEnumerable<Batch> EvalBatches(int batchSize) => [TrainBatch(0, batchSize)];

        public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string> { ["task"] = "consecutive" };
    }
}
