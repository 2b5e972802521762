using System.Numerics;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// One SGD step with momentum for one parameter, in place (PyTorch's torch.optim.SGD, no dampening, not Nesterov):
//   g ← gradScale · g + wd · p                  (L2 weight decay, as PyTorch's SGD)
//   b ← μ · b + g                               (b starts at 0, so the first step has b = g)
//   p ← p − lr · b

internal struct SgdConstants
{
    public float LearningRate, Momentum, WeightDecay, GradScale;
}

public static partial class Ops
{
    /// <summary>Updates <paramref name="p"/> and its momentum buffer <paramref name="buffer"/> (zeros before the
    /// first step) from the gradient <paramref name="g"/>.</summary>
    public static void SgdStep(Tensor p, Tensor g, Tensor buffer, float learningRate, float momentum = 0f,
        float weightDecay = 0f, float gradScale = 1f)
    {
        const string op = "SgdStep";
        Check.Binary(op, p, g, "parameter", "gradient");
        Check.Binary(op, p, buffer, "parameter", "momentum buffer");
        Check.Shape(op, g, p.Shape, "gradient");
        Check.Shape(op, buffer, p.Shape, "momentum buffer");
        var c = new SgdConstants { LearningRate = learningRate, Momentum = momentum, WeightDecay = weightDecay, GradScale = gradScale };
        if (p.Device is IlgpuDevice dev)
            dev.Kernel<Index1D, ViewF, ViewF, ViewF, SgdConstants>(SgdKernels.Sgd)(p.Size, p.View, g.View, buffer.View, c);
        else if (p.DType == DType.Float32) SgdCpu(p.CpuArray<float>(), g.CpuArray<float>(), buffer.CpuArray<float>(), c, p.Size);
        else SgdCpu(p.CpuArray<double>(), g.CpuArray<double>(), buffer.CpuArray<double>(), c, p.Size);
    }

    private static void SgdCpu<T>(T[] p, T[] g, T[] buffer, SgdConstants c, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T lr = T.CreateTruncating(c.LearningRate), mu = T.CreateTruncating(c.Momentum);
        T wd = T.CreateTruncating(c.WeightDecay), scale = T.CreateTruncating(c.GradScale);
        CpuParallel.For(n, 4, (s, e) =>
        {
            for (int i = s; i < e; i++)
            {
                T gi = g[i] * scale + wd * p[i];
                T b = mu * buffer[i] + gi;
                buffer[i] = b;
                p[i] -= lr * b;
            }
        });
    }
}

internal static class SgdKernels
{
    [Kernel]
    internal static void Sgd(Index1D i, ViewF p, ViewF g, ViewF buffer, SgdConstants c)
    {
        float gi = g[i] * c.GradScale + c.WeightDecay * p[i];
        float b = c.Momentum * buffer[i] + gi;
        buffer[i] = b;
        p[i] -= c.LearningRate * b;
    }
}
