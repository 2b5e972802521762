namespace HyenaIL.Layers;

/// <summary>
/// The filter's decay window (reference §2.3): h ← h · (exp(−t·|Δ_c|) + shift), with
/// Δ = linspace(ln(target)/slow, ln(target)/fast, C) over the C filter channels: the fastest channel reaches
/// <c>target</c> at t = fast, the slowest at t = slow. Δ (1, 1, C) is a frozen buffer (the reference's
/// modulation learning rate is 0). The window does not depend on anything trained, so it is computed once for
/// l_max positions.
/// </summary>
public sealed class ExponentialModulation : Module
{
    private readonly double[] window; // (l_max, C), from the float32 t and Δ, in float64

    public ExponentialModulation(Device device, int channels, float[] t, double fastDecay = 0.3, double slowDecay = 1.5,
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
        window = new double[t.Length * channels];
        for (int n = 0; n < t.Length; n++)
            for (int c = 0; c < channels; c++)
                window[n * channels + c] = Math.Exp(-(double)t[n] * Math.Abs((double)deltas[c])) + shift;
    }

    public int Channels { get; }

    public bool Modulate { get; }

    public double Shift { get; }

    public BufferSlot Deltas { get; }

    /// <summary>The window for the first <paramref name="length"/> positions, (L, C), on the module's device.</summary>
    public Tensor Window(int length)
    {
        var shape = Shape.Of(length, Channels);
        var values = window.AsSpan(0, length * Channels);
        return DType == DType.Float64
            ? Tensor.FromArray(values.ToArray(), shape, Device)
            : Tensor.FromArray(Array.ConvertAll(values.ToArray(), v => (float)v), shape, Device);
    }
}
