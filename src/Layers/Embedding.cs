using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>A table of vectors looked up by integer id: weight (V, D), initialised N(0, 0.02).</summary>
public sealed class Embedding : Module
{
    public Embedding(Device device, int count, int width) : base(device)
    {
        Weight = Param("weight", Shape.Of(count, width), Init.Normal(0.02));
    }

    public Parameter Weight { get; }

    public int Count => Weight.Shape[0];

    public int Width => Weight.Shape[1];

    /// <param name="ids">int32 of any shape S</param>
    /// <returns>(S..., D)</returns>
    public Var Forward(Var ids) => Fn.Embedding(Weight, ids);
}
