using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// y = x·Wᵀ + b over the last axis, as PyTorch's nn.Linear: weight (out, in), bias (out).
/// Initialised N(0, 0.02) with zero bias (reference §3.3).
/// </summary>
public sealed class Linear : Module
{
    public Linear(Device device, int inFeatures, int outFeatures, bool bias = true,
        ParameterGroup group = ParameterGroup.Default) : base(device)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Param("weight", Shape.Of(outFeatures, inFeatures), Init.Normal(0.02), group);      // (out, in)
        Bias = bias ? Param("bias", Shape.Of(outFeatures), Init.Zeros, group) : null;               // (out)
    }

    public int InFeatures { get; }

    public int OutFeatures { get; }

    public Parameter Weight { get; }

    public Parameter? Bias { get; }

    /// <param name="x">(..., in)</param>
    /// <returns>(..., out)</returns>
    public Var Forward(Var x)
    {
        if (x.Shape.Last != InFeatures)
            throw new ShapeException($"Linear: input must end in {InFeatures} features, got shape {x.Shape}");
        var outShape = x.Shape.With(-1, OutFeatures).ToArray();
        var rows = Fn.Reshape(x, -1, InFeatures);                     // (M, in)
        var y = Fn.Matmul(rows, Weight, transB: true);               // (M, out)
        if (Bias is not null) y = Fn.Add(y, Bias);
        return Fn.Reshape(y, outShape);                               // (..., out)
    }
}
