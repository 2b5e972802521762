using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// Which optimizer group a parameter joins. The reference gives the implicit filter's MLP and its Sin frequency
/// their own learning rate and weight decay 0, and the positional features their own rate (frozen at 0)
/// (reference/hyena.md §2.4).
/// </summary>
public enum ParameterGroup
{
    /// <summary>Everything else: the optimizer's learning rate and weight decay.</summary>
    Default,

    /// <summary>The implicit filter MLP's Linear weights and biases and the Sin frequency.</summary>
    Filter,

    /// <summary>The filter's positional features z.</summary>
    Positional,
}

/// <summary>How a parameter is initialised (GPT-2 style, reference §3.3).</summary>
public abstract record Init
{
    public static Init Zeros { get; } = new ConstantInit(0);

    public static Init Ones { get; } = new ConstantInit(1);

    public static Init Normal(double std) => new NormalInit(std);

    public static Init Uniform(double bound) => new UniformInit(bound);

    public static Init Constant(double value) => new ConstantInit(value);

    /// <summary>Fills <paramref name="t"/>; <paramref name="seed"/> is derived from the model seed and the
    /// parameter's name, so initialisation does not depend on construction order or device.</summary>
    public abstract void Apply(Tensor t, ulong seed);
}

public sealed record NormalInit(double Std) : Init
{
    public override void Apply(Tensor t, ulong seed)
    {
        using var r = Ops.RandomNormal(t.Shape, t.Device, seed, 0f, (float)Std);
        t.CopyFrom(r);
    }
}

public sealed record UniformInit(double Bound) : Init
{
    public override void Apply(Tensor t, ulong seed)
    {
        using var r = Ops.RandomUniform(t.Shape, t.Device, seed, (float)-Bound, (float)Bound);
        t.CopyFrom(r);
    }
}

public sealed record ConstantInit(double Value) : Init
{
    public override void Apply(Tensor t, ulong seed) => t.Fill(Value);
}

/// <summary>
/// A trainable (or frozen) tensor of a module: a leaf <see cref="Var"/> whose gradient accumulates across
/// backward passes until the optimizer zeroes it. The module that creates it owns its tensor.
/// </summary>
public sealed class Parameter(Tensor value, Init init, ParameterGroup group = ParameterGroup.Default, bool trainable = true)
    : Var(value, trainable)
{
    /// <summary>How <see cref="Module.Initialize"/> fills it.</summary>
    public Init Init { get; set; } = init;

    public ParameterGroup Group { get; } = group;

    public bool Trainable => RequiresGrad;

    /// <summary>Swaps in a new tensor of the same shape and disposes the old one.</summary>
    internal void Replace(Tensor newValue)
    {
        var old = Value;
        if (newValue.Shape != old.Shape)
            throw new ShapeException($"Parameter: replacement has shape {newValue.Shape}, expected {old.Shape}");
        ReplaceLeafValue(newValue);
        old.Dispose();
    }
}

/// <summary>A module's buffer: saved with the model, not trained. A slot, so that the tensor can be replaced
/// (loading, dtype conversion) without stale references.</summary>
public sealed class BufferSlot(Tensor value)
{
    private Tensor value = value;

    public Tensor Value
    {
        get => value;
        internal set
        {
            this.value = value;
            Version++;
        }
    }

    /// <summary>Counts the changes made through the module system (a new tensor, a checkpoint loaded into it), so that
    /// a module can cache what it derives from a buffer and know when to derive it again.</summary>
    public int Version { get; private set; }

    internal void MarkChanged() => Version++;
}
