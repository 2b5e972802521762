using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// Dropout with probability <see cref="P"/> in training mode, the identity in evaluation mode. The mask comes
/// from the forward pass's seed (<see cref="Graph.Seed"/>) mixed with this module's <paramref name="salt"/>, so
/// two dropout layers draw different masks and a replayed step draws the same ones.
/// </summary>
public sealed class Dropout(Device device, float p, ulong salt) : Module(device)
{
    public float P { get; } = p is >= 0f and < 1f ? p : throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");

    public Var Forward(Var x)
    {
        if (!Training || P == 0f) return x;
        var graph = x.Graph ?? throw new InvalidOperationException("Dropout: the input belongs to no graph");
        return Fn.Dropout(x, P, CounterRng.Mix(graph.Seed, salt));
    }
}
