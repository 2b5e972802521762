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

    /// <summary>
    /// The rate of the positional features z, when the model trains them (null: <see cref="LearningRate"/>). The
    /// reference has one rule (§2.1): z is a frozen buffer exactly when lr_pos_emb is 0. Here the model decides
    /// when it is built (<see cref="ModelConfig.TrainPositional"/>), so an explicit rate must agree with it: 0 only
    /// for a model whose z is frozen, a non-zero rate only for one that trains z. The optimizers refuse a
    /// disagreement (<see cref="CheckPositional"/>) instead of leaving z trained at rate 0, or frozen with a rate.
    /// </summary>
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

    /// <summary>Throws <see cref="ArgumentException"/> when <see cref="PositionalLearningRate"/> disagrees with the
    /// model's positional features <paramref name="zName"/>: trained (<paramref name="trained"/>) with an explicit
    /// rate of 0, or frozen with an explicit non-zero rate.</summary>
    public void CheckPositional(string zName, bool trained)
    {
        if (PositionalLearningRate is not { } rate || (rate != 0) == trained) return;
        throw new ArgumentException(trained
            ? $"optimizer: PositionalLearningRate is 0, which freezes the positional features in the reference (lr_pos_emb = 0), " +
              $"but the model trains {zName}; build the model with ModelConfig.TrainPositional = false to freeze z, or give z a non-zero rate"
            : $"optimizer: PositionalLearningRate is {rate}, but the model's {zName} is frozen (built with ModelConfig.TrainPositional = false); " +
              $"leave PositionalLearningRate unset or 0, or build the model with TrainPositional = true to train z");
    }
}

/// <summary>
/// Updates a model's trained parameters from their gradients. Frozen parameters (and buffers) are not touched; a
/// parameter without a gradient this step is skipped; a parameter listed under several names is updated once.
/// Each group's rate is scaled by the schedule's factor. State (moments, step count) is saved with checkpoints
/// under <c>optimizer.{parameter name}.{state}</c>. Built over a model, it also checks the positional rate
/// against the model's positional features (<see cref="OptimizerSettings.CheckPositional"/>).
/// </summary>
public abstract class Optimizer : IDisposable
{
    protected Optimizer(IEnumerable<(string Name, Parameter Parameter)> parameters, OptimizerSettings settings)
    {
        Settings = settings;
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        Parameters = parameters.Where(p => p.Parameter.Trainable && seen.Add(p.Parameter)).ToList();
        foreach (var (name, p) in Parameters)
            if (p.Group == ParameterGroup.Positional) settings.CheckPositional(name, trained: true);
    }

    /// <summary>Over every parameter of <paramref name="model"/>; also refuses a positional rate given for frozen
    /// positional features.</summary>
    protected Optimizer(Module model, OptimizerSettings settings) : this(model.NamedParameters(), settings)
    {
        var names = model.StateItems();
        foreach (var pe in model.Modules().OfType<PositionalEmbedding>())
            if (pe.ZBuffer is { } frozen)
                settings.CheckPositional(names.First(e => ReferenceEquals(e.Item, frozen)).Name, trained: false);
    }

    /// <summary>A zero tensor shaped as each trained parameter (moments, momentum buffers).</summary>
    protected Tensor[] ZerosPerParameter() => Parameters.Select(p => Tensor.ZerosLike(p.Parameter.Value)).ToArray();

    public OptimizerSettings Settings { get; }

    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    /// <summary>Steps taken so far.</summary>
    public long StepCount { get; protected set; }

    /// <summary>One update: every group's rate times <paramref name="rateFactor"/>; gradients times
    /// <paramref name="gradScale"/> (gradient clipping).</summary>
    public abstract void Step(double rateFactor, float gradScale = 1f);

    /// <summary>The state tensors by checkpoint name.</summary>
    public abstract IReadOnlyList<(string Name, Tensor Tensor)> State();

    /// <summary>Restores the state from a checkpoint: every state tensor must be present, float, with the right shape.</summary>
    public void LoadState(CheckpointFile file, long stepCount)
    {
        var state = State();
        var problems = state.Where(s => !file.Tensors.TryGetValue(s.Name, out var t) || t.Shape != s.Tensor.Shape || !t.IsFloat)
            .Select(s => s.Name).ToList();
        if (problems.Count > 0)
            throw new CheckpointException($"checkpoint {file.Path}: optimizer state missing, of the wrong shape or not float: {string.Join(", ", problems.Take(5))}{(problems.Count > 5 ? ", …" : "")}");
        foreach (var (name, tensor) in state)
        {
            using var host = Tensor.FromArray(file.Tensors[name].Data, tensor.Shape, Device.Cpu);
            tensor.CopyFrom(host);
        }
        StepCount = stepCount;
    }

    public abstract void Dispose();
}
