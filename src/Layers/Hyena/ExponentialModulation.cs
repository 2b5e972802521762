namespace HyenaIL.Layers;

/// <summary>
/// The filter's decay window (reference §2.3): h ← h · (exp(−t·|Δ_c|) + shift), with
/// Δ = linspace(ln(target)/slow, ln(target)/fast, C) over the C filter channels at initialisation: the fastest channel
/// reaches <c>target</c> at t = fast, the slowest at t = slow. Δ (1, 1, C) is a frozen buffer (the reference's
/// modulation learning rate is 0) and t is the positional embedding's buffer; a loaded checkpoint replaces both, so the
/// window is computed from the stored values (once, and again whenever either buffer changes), never from the config.
/// Neither is trained, so the window is a constant of the graph.
/// </summary>
public sealed class ExponentialModulation : Module
{
    private double[]? cached;                 // (n, C): the window for every position of t, float64
    private (BufferSlot T, int TVersion, int DeltasVersion) cachedFor;

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
    /// The window exp(−t·|Δ|) + shift, (L, C), for the first <paramref name="length"/> positions of the buffer
    /// <paramref name="t"/> (1, n, 1), from the Δ this module holds now; on the module's device, in its dtype, owned by
    /// the caller. Computed in float64 from the float32 buffers and rounded once, for all n positions, and kept until
    /// either buffer changes (<see cref="BufferSlot.Version"/>: a loaded checkpoint's Δ and t replace the config's).
    /// </summary>
    public Tensor Window(BufferSlot t, int length)
    {
        var shape = t.Value.Shape;
        if (shape.Rank != 3 || shape[0] != 1 || shape[2] != 1 || length < 1 || length > shape[1])
            throw new ShapeException($"ExponentialModulation.Window: t must have shape (1, n, 1) with n ≥ L = {length}, got {shape}");
        var key = (t, t.Version, Deltas.Version);
        if (cached is null || cachedFor != key)
        {
            var times = t.Value.ToFloatArray();                                        // (n)
            var deltas = Deltas.Value.ToFloatArray();                                  // (C)
            cached = new double[times.Length * Channels];                              // (n, C)
            for (int n = 0; n < times.Length; n++)
                for (int c = 0; c < Channels; c++)
                    cached[n * Channels + c] = Math.Exp(-(double)times[n] * Math.Abs((double)deltas[c])) + Shift;
            cachedFor = key;
        }
        var values = cached.AsSpan(0, length * Channels);
        var result = Shape.Of(length, Channels);
        return DType == DType.Float64
            ? Tensor.FromArray(values.ToArray(), result, Device)
            : Tensor.FromArray(Array.ConvertAll(values.ToArray(), v => (float)v), result, Device);
    }
}
