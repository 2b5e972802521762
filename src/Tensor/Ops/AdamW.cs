using System.Numerics;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// One AdamW step for one parameter, in place (Loshchilov & Hutter; PyTorch's torch.optim.AdamW):
//   g ← gradScale · g                          (gradient clipping folded in)
//   m ← β1·m + (1 − β1)·g;   v ← β2·v + (1 − β2)·g²
//   p ← p·(1 − lr·wd)                           (decoupled weight decay)
//   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)

/// <summary>The scalars of one AdamW step.</summary>
public readonly record struct AdamWStepArgs(float LearningRate, float Beta1, float Beta2, float Eps, float WeightDecay,
    int Step, float GradScale = 1f)
{
    /// <summary>The step's constants as a plain struct for kernels.</summary>
    internal AdamWConstants Constants()
    {
        if (Step < 1) throw new ArgumentOutOfRangeException(nameof(Step), Step, "AdamW: the step count starts at 1");
        double bc1 = 1 - Math.Pow(Beta1, Step), bc2 = 1 - Math.Pow(Beta2, Step);
        return new AdamWConstants
        {
            Decay = 1f - LearningRate * WeightDecay,
            StepSize = (float)(LearningRate / bc1),
            InvSqrtBc2 = (float)(1 / Math.Sqrt(bc2)),
            Beta1 = Beta1, Beta2 = Beta2, Eps = Eps, GradScale = GradScale,
        };
    }
}

internal struct AdamWConstants
{
    public float Decay, StepSize, InvSqrtBc2, Beta1, Beta2, Eps, GradScale;
}

public static partial class Ops
{
    /// <summary>Updates <paramref name="p"/>, and its moments <paramref name="m"/> and <paramref name="v"/>, from the
    /// gradient <paramref name="g"/>. All four have the same shape, device and dtype.</summary>
    public static void AdamWStep(Tensor p, Tensor g, Tensor m, Tensor v, AdamWStepArgs args)
    {
        const string op = "AdamWStep";
        Check.Binary(op, p, g, "parameter", "gradient");
        Check.Binary(op, p, m, "parameter", "first moment");
        Check.Binary(op, p, v, "parameter", "second moment");
        Check.Shape(op, g, p.Shape, "gradient");
        Check.Shape(op, m, p.Shape, "first moment");
        Check.Shape(op, v, p.Shape, "second moment");
        var c = args.Constants();
        if (p.Device is IlgpuDevice dev)
            dev.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF, AdamWConstants>(AdamWKernels.AdamW)(p.Size, p.View, g.View, m.View, v.View, c);
        else if (p.DType == DType.Float32)
            AdamWCpu(p.CpuArray<float>(), g.CpuArray<float>(), m.CpuArray<float>(), v.CpuArray<float>(), c, p.Size);
        else
            AdamWCpu(p.CpuArray<double>(), g.CpuArray<double>(), m.CpuArray<double>(), v.CpuArray<double>(), c, p.Size);
    }

    private static void AdamWCpu<T>(T[] p, T[] g, T[] m, T[] v, AdamWConstants c, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T decay = T.CreateTruncating(c.Decay), stepSize = T.CreateTruncating(c.StepSize), inv = T.CreateTruncating(c.InvSqrtBc2);
        T b1 = T.CreateTruncating(c.Beta1), b2 = T.CreateTruncating(c.Beta2), eps = T.CreateTruncating(c.Eps), scale = T.CreateTruncating(c.GradScale);
        CpuParallel.For(n, 8, (s, e) =>
        {
            for (int i = s; i < e; i++)
            {
                T gi = g[i] * scale;
                T mi = b1 * m[i] + (T.One - b1) * gi;
                T vi = b2 * v[i] + (T.One - b2) * gi * gi;
                m[i] = mi;
                v[i] = vi;
                p[i] = p[i] * decay - stepSize * mi / (T.Sqrt(vi) * inv + eps);
            }
        });
    }
}

internal static class AdamWKernels
{
    [Kernel]
    internal static void AdamW(Index1D i, ViewF p, ViewF g, ViewF m, ViewF v, AdamWConstants c)
    {
        float gi = g[i] * c.GradScale;
        float mi = c.Beta1 * m[i] + (1f - c.Beta1) * gi;
        float vi = c.Beta2 * v[i] + (1f - c.Beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] * c.Decay - c.StepSize * mi / (MathF.Sqrt(vi) * c.InvSqrtBc2 + c.Eps);
    }
}
