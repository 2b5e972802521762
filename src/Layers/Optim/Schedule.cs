namespace HyenaIL.Layers;

/// <summary>
/// Linear warm-up then cosine decay, as a factor of each group's base rate (timm's cosine schedule used by the
/// reference's Pile runs, lr_min = 0.1·lr): factor(s) = (s + 1)/W for s &lt; W; then
/// min + (1 − min)·½(1 + cos(π·(s − W)/(T − W))), reaching <see cref="MinFactor"/> at the last step.
/// </summary>
public sealed record WarmupCosine(int WarmupSteps, int TotalSteps, double MinFactor = 0.1)
{
    public double Factor(long step)
    {
        if (step < WarmupSteps) return (step + 1.0) / WarmupSteps;
        int decay = Math.Max(1, TotalSteps - WarmupSteps - 1);
        double progress = Math.Clamp((step - WarmupSteps) / (double)decay, 0, 1);
        return MinFactor + (1 - MinFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}

/// <summary>Clipping by global norm: the factor that brings ‖g‖ = √(Σ_p ‖g_p‖²) down to at most
/// <paramref name="maxNorm"/> (1 when it is already below, or when clipping is off).</summary>
public static class GradientClipping
{
    /// <summary>The global gradient norm of the parameters that have gradients (one host read).</summary>
    public static double GlobalNorm(IEnumerable<Parameter> parameters)
    {
        double total = 0;
        foreach (var p in parameters)
        {
            if (p.Grad is null) continue;
            using var sq = Ops.SquaredNorm(p.Grad);
            total += sq.Item();
        }
        return Math.Sqrt(total);
    }

    public static float Scale(double norm, double maxNorm) =>
        maxNorm > 0 && norm > maxNorm ? (float)(maxNorm / (norm + 1e-6)) : 1f;
}
