using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// The Hyena short filter: a depthwise causal convolution of kernel K over C channels, stored as PyTorch's
/// Conv1d(C, C, K, groups=C, padding=K−1): weight (C, 1, K), bias (C), both U(±1/√K) (PyTorch's default, kept by
/// the reference). Tap K−1 multiplies the current position (reference §1.3 step 3).
/// </summary>
public sealed class ShortFilter : Module
{
    public ShortFilter(Device device, int channels, int kernelSize) : base(device)
    {
        double bound = 1.0 / Math.Sqrt(kernelSize);
        Weight = Param("weight", Shape.Of(channels, 1, kernelSize), Init.Uniform(bound));   // (C, 1, K)
        Bias = Param("bias", Shape.Of(channels), Init.Uniform(bound));                       // (C)
    }

    public Parameter Weight { get; }

    public Parameter Bias { get; }

    /// <param name="x">(B, C, L)</param>
    public Var Forward(Var x) => Fn.ShortConv(x, Weight, Bias);
}
