using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>The block's feed-forward part: fc1 (D → D_inner), GELU with the tanh approximation, fc2
/// (D_inner → D), both with bias (reference §3.2).</summary>
public sealed class Mlp : Module
{
    public Mlp(Device device, int width, int innerWidth) : base(device)
    {
        Fc1 = Child("fc1", new Linear(device, width, innerWidth));
        Fc2 = Child("fc2", new Linear(device, innerWidth, width));
    }

    public Linear Fc1 { get; }

    public Linear Fc2 { get; }

    /// <param name="x">(B, L, D)</param>
    public Var Forward(Var x) => Fc2.Forward(Fn.Gelu(Fc1.Forward(x)));
}
