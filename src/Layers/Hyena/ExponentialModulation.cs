namespace HyenaIL.Layers;

/// <summary>
/// The filter's decay window (reference §2.3): h ← h · (exp(−t·|Δ_c|) + shift), with
/// Δ = linspace(ln(target)/slow, ln(target)/fast, C) over the C filter channels at initialisation: the fastest channel
/// reaches <c>target</c> at t = fast, the slowest at t = slow. Δ (1, 1, C) is a frozen buffer (the reference's
/// modulation learning rate is 0) and t is the positional embedding's buffer; a loaded checkpoint replaces both, so the
/// window is computed from the stored values at every forward pass (an elementwise (L, C) product, small beside the
/// filter MLP), never from the config. Neither is trained, so the window is a constant of the graph.
/// </summary>
public sealed class ExponentialModulation : Module
{
    public ExponentialModulation(Device device, int channels, double fastDecay = 0.3, double slowDecay = 1.5,
        double target = 1e-2, double shift = 0.0, bool modulate = true) : base(device)
    {
        Channels = channels;
        Modulate = modulate;
        Shift = shift;
        double maxDecay = Math.Log(target) / fastDecay, minDecay = Math.Log(target) / slowDecay;
        var deltas = new float[channels];
        for (int c = 0; c < channels; c++)
            deltas[c] = (float)(channels == 1 ? minDecay : minDecay + (maxDecay - minDecay) * c / (channels - 1));
        Deltas = Buffer("deltas", Tensor.FromArray(deltas, Shape.Of(1, 1, channels), device));   // (1, 1, C)
    }

    public int Channels { get; }

    public bool Modulate { get; }

    public double Shift { get; }

    public BufferSlot Deltas { get; }

    /// <summary>
    /// The window exp(−t·|Δ|) + shift, (L, C), for the first <paramref name="length"/> positions of
    /// <paramref name="t"/> (1, l_max, 1), from the Δ this module holds now; on the module's device, in its dtype, owned
    /// by the caller. |Δ| is max(Δ, −Δ), exact.
    /// </summary>
    public Tensor Window(Tensor t, int length)
    {
        if (t.Rank != 3 || t.Shape[0] != 1 || t.Shape[2] != 1 || length < 1 || length > t.Shape[1])
            throw new ShapeException($"ExponentialModulation.Window: t must have shape (1, n, 1) with n ≥ L = {length}, got {t.Shape}");
        using var rows = Ops.Slice(t, 1, 0, length);                                   // (1, L, 1)
        using var column = rows.Reshape(length, 1);                                    // (L, 1)
        using var deltas = Deltas.Value.Reshape(1, Channels);                          // (1, C)
        using var negated = Ops.Neg(deltas);                                           // (1, C)
        using var both = Ops.Concat([deltas, negated], 0);                             // (2, C)
        using var magnitude = Ops.Max(both, 0, keepDims: true);                        // (1, C): |Δ|
        using var rate = Ops.Mul(column, magnitude);                                   // (L, C): t·|Δ|
        using var exponent = Ops.Neg(rate);                                            // (L, C)
        var decay = Ops.Exp(exponent);                                                 // (L, C)
        if (Shift == 0) return decay;
        using (decay) return Ops.AddScalar(decay, (float)Shift);
    }
}
