using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// One pre-norm block (reference §3.2): r ← r + drop(mixer(norm1(r))); r ← r + drop(mlp(norm2(r))).
/// </summary>
public sealed class Block : Module
{
    public Block(Device device, ModelConfig config, int index) : base(device)
    {
        Mixer = config.Mixer == MixerKind.Hyena
            ? Child("mixer", new HyenaOperator(device, config, index))
            : Child("mixer", new CausalSelfAttention(device, config));
        Norm1 = Child("norm1", new LayerNorm(device, config.Width, (float)config.LayerNormEps));
        Norm2 = Child("norm2", new LayerNorm(device, config.Width, (float)config.LayerNormEps));
        Mlp = Child("mlp", new Mlp(device, config.Width, config.InnerWidth));
        Drop1 = Child("drop1", new Dropout(device, (float)config.ResidDropout, (ulong)(index * 16 + 1)));
        Drop2 = Child("drop2", new Dropout(device, (float)config.ResidDropout, (ulong)(index * 16 + 2)));
    }

    public IMixer Mixer { get; }

    public LayerNorm Norm1 { get; }

    public LayerNorm Norm2 { get; }

    public Mlp Mlp { get; }

    private Dropout Drop1 { get; }

    private Dropout Drop2 { get; }

    /// <summary>Recompute this block's activations in backward instead of keeping them (see <see cref="Fn.Recompute"/>).</summary>
    public bool Recompute { get; init; }

    /// <param name="r">the residual stream (B, L, D)</param>
    public Var Forward(Var r) => Recompute && Training ? Fn.Recompute(Body, r) : Body(r);

    private Var Body(Var r) => Forward(r, Mixer.Forward);

    /// <summary>The block with <paramref name="mixer"/> in the mixer's place: incremental decoding passes the mixer's
    /// one-position step (<see cref="DecodeState"/>).</summary>
    internal Var Forward(Var r, Func<Var, Var> mixer)
    {
        r = Fn.Add(r, Drop1.Forward(mixer(Norm1.Forward(r))));
        return Fn.Add(r, Drop2.Forward(Mlp.Forward(Norm2.Forward(r))));
    }
}
