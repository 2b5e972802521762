using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>The filter MLP's activation sin(freq ⊙ x), with a trained frequency vector freq (1, W) initialised
/// to w (reference §2.2: 10 for synthetic tasks, 14 for language). One instance serves all three activation
/// positions, so the three share freq.</summary>
public sealed class Sin : Module
{
    public Sin(Device device, int width, double w) : base(device)
    {
        Freq = Param("freq", Shape.Of(1, width), Init.Constant(w), ParameterGroup.Filter);   // (1, W)
    }

    public Parameter Freq { get; }

    /// <param name="x">(L, W)</param>
    public Var Forward(Var x) => Fn.Sin(Fn.Mul(x, Freq));
}
