namespace HyenaIL.Layers;

/// <summary>
/// Learning rates and weight decays, with the reference's parameter groups (reference/hyena.md §2.4): the filter
/// MLP and its Sin frequency take <see cref="FilterLearningRate"/> (default: the main rate) and
/// <see cref="FilterWeightDecay"/> (default 0); the positional features take <see cref="PositionalLearningRate"/>
/// and no weight decay. Everything else (biases, norms and embeddings included, as in the reference's Pile runs)
/// takes <see cref="LearningRate"/> and <see cref="WeightDecay"/>.
/// </summary>
public sealed record OptimizerSettings
{
    public double LearningRate { get; init; } = 5e-4;

    public double WeightDecay { get; init; } = 0.1;

    public double? FilterLearningRate { get; init; }

    public double FilterWeightDecay { get; init; }

    public double? PositionalLearningRate { get; init; }

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.999;

    public double Eps { get; init; } = 1e-8;

    /// <summary>SGD's momentum.</summary>
    public double Momentum { get; init; } = 0.9;

    public (double LearningRate, double WeightDecay) For(ParameterGroup group) => group switch
    {
        ParameterGroup.Filter => (FilterLearningRate ?? LearningRate, FilterWeightDecay),
        ParameterGroup.Positional => (PositionalLearningRate ?? LearningRate, 0),
        _ => (LearningRate, WeightDecay),
    };
}

/// <summary>
/// Updates a model's trained parameters from their gradients. Frozen parameters (and buffers) are not touched; a
/// parameter without a gradient this step is skipped. Each group's rate is scaled by the schedule's factor.
/// State (moments, step count) is saved with checkpoints under <c>optimizer.{parameter name}.{state}</c>.
/// </summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, OptimizerSettings settings)
    {
        Settings = settings;
        Parameters = parameters.Where(p => p.Parameter.Trainable).ToList();
    }

    public OptimizerSettings Settings { get; }

    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    /// <summary>Steps taken so far.</summary>
    public long StepCount { get; protected set; }

    /// <summary>One update: every group's rate times <paramref name="rateFactor"/>; gradients times
    /// <paramref name="gradScale"/> (gradient clipping).</summary>
    public abstract void Step(double rateFactor, float gradScale = 1f);

    /// <summary>The state tensors by checkpoint name.</summary>
    public abstract IReadOnlyList<(string Name, Tensor Tensor)> State();

    /// <summary>Restores the state from a checkpoint: every state tensor must be present with the right shape.</summary>
    public void LoadState(CheckpointFile file, long stepCount)
    {
        var state = State();
        var problems = state.Where(s => !file.Tensors.TryGetValue(s.Name, out var t) || t.Shape != s.Tensor.Shape)
            .Select(s => s.Name).ToList();
        if (problems.Count > 0)
            throw new CheckpointException($"checkpoint {file.Path}: optimizer state missing or of the wrong shape: {string.Join(", ", problems.Take(5))}{(problems.Count > 5 ? ", …" : "")}");
        foreach (var (name, tensor) in state)
        {
            using var host = Tensor.FromArray(file.Tensors[name].Data, tensor.Shape, Device.Cpu);
            tensor.CopyFrom(host);
        }
        StepCount = stepCount;
    }

    public abstract void Dispose();
}
