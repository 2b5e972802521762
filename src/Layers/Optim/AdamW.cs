namespace HyenaIL.Layers;

/// <summary>AdamW (decoupled weight decay), as torch.optim.AdamW; the update is <see cref="Ops.AdamWStep"/>.</summary>
public sealed class AdamW : Optimizer
{
    private readonly Tensor[] m;
    private readonly Tensor[] v;

    public AdamW(IEnumerable<(string Name, Parameter Parameter)> parameters, OptimizerSettings settings) : base(parameters, settings)
    {
        m = ZerosPerParameter();
        v = ZerosPerParameter();
    }

    /// <summary>Over every parameter of <paramref name="model"/> (see <see cref="Optimizer"/>).</summary>
    public AdamW(Module model, OptimizerSettings settings) : base(model, settings)
    {
        m = ZerosPerParameter();
        v = ZerosPerParameter();
    }

    public override void Step(double rateFactor, float gradScale = 1f)
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i].Parameter;
            if (p.Grad is null) continue;
            var (lr, wd) = Settings.For(p.Group);
            Ops.AdamWStep(p.Value, p.Grad, m[i], v[i], new AdamWStepArgs((float)(lr * rateFactor), (float)Settings.Beta1,
                (float)Settings.Beta2, (float)Settings.Eps, (float)wd, (int)StepCount, gradScale));
        }
    }

    public override IReadOnlyList<(string Name, Tensor Tensor)> State() =>
        Parameters.SelectMany((p, i) => new[] { ($"{Checkpoint.ReservedPrefix}{p.Name}.exp_avg", m[i]), ($"{Checkpoint.ReservedPrefix}{p.Name}.exp_avg_sq", v[i]) }).ToList();

    public override void Dispose()
    {
        foreach (var t in m.Concat(v)) t.Dispose();
    }
}

/// <summary>SGD with momentum, as torch.optim.SGD (L2 weight decay added to the gradient); the update is
/// <see cref="Ops.SgdStep"/>.</summary>
public sealed class Sgd : Optimizer
{
    private readonly Tensor[] buffers;

    public Sgd(IEnumerable<(string Name, Parameter Parameter)> parameters, OptimizerSettings settings) : base(parameters, settings)
    {
        buffers = ZerosPerParameter();
    }

    /// <summary>Over every parameter of <paramref name="model"/> (see <see cref="Optimizer"/>).</summary>
    public Sgd(Module model, OptimizerSettings settings) : base(model, settings)
    {
        buffers = ZerosPerParameter();
    }

    public override void Step(double rateFactor, float gradScale = 1f)
    {
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i].Parameter;
            if (p.Grad is null) continue;
            var (lr, wd) = Settings.For(p.Group);
            Ops.SgdStep(p.Value, p.Grad, buffers[i], (float)(lr * rateFactor), (float)Settings.Momentum, (float)wd, gradScale);
        }
    }

    public override IReadOnlyList<(string Name, Tensor Tensor)> State() =>
        Parameters.Select((p, i) => ($"{Checkpoint.ReservedPrefix}{p.Name}.momentum_buffer", buffers[i])).ToList();

    public override void Dispose()
    {
        foreach (var t in buffers) t.Dispose();
    }
}
