using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// The Hyena operator of order N (reference §1.3, following the code, not the paper: N+1 projections, N−1 long
/// convolutions, gate first):
/// <code>
///   x_0 … x_{N−1}, v = split(short_filter(in_proj(u)ᵀ))         each (B, D, L)
///   for o = 0 … N−2:  s = dropout(v ⊙ x_{N−1−o});  v = k_o ∗ s + D_o ⊙ s
///   y = out_proj((v ⊙ x_0)ᵀ)
/// </code>
/// For N = 2: y = out_proj(x_0 ⊙ (k ∗ (x_1 ⊙ v) + D ⊙ (x_1 ⊙ v))).
/// </summary>
public sealed class HyenaOperator : Module, IMixer
{
    private readonly ModelConfig config;

    public HyenaOperator(Device device, ModelConfig config, int layerIndex) : base(device)
    {
        this.config = config;
        int d = config.Width, projections = (config.Order + 1) * d;
        InProj = Child("in_proj", new Linear(device, d, projections));
        OutProj = Child("out_proj", new Linear(device, d, d));
        ShortFilter = Child("short_filter", new ShortFilter(device, projections, config.ShortFilter));
        Filter = Child("filter_fn", new HyenaFilter(device, config));
        Dropout = Child("dropout", new Dropout(device, (float)config.MixerDropout, (ulong)(layerIndex * 16 + 3)));
    }

    public Linear InProj { get; }

    public Linear OutProj { get; }

    public ShortFilter ShortFilter { get; }

    public HyenaFilter Filter { get; }

    public Dropout Dropout { get; }

    /// <param name="u">(B, L, D)</param>
    /// <returns>(B, L, D)</returns>
    public Var Forward(Var u) => Forward(u, null);

    /// <summary>The forward pass; with <paramref name="capture"/>, also keeps what later one-position steps need
    /// (the last K−1 projections and every long convolution's input), as the prefill of incremental decoding.</summary>
    internal Var Forward(Var u, HyenaDecodeLayer? capture)
    {
        int length = CheckLength(u);
        var graph = u.Graph!;
        var projected = Fn.Transpose(InProj.Forward(u), 1, 2);                                  // (B, (N+1)D, L)
        capture?.KeepRecent(projected.Value);
        var x = ShortFilter.Forward(projected);                                                // (B, (N+1)D, L)
        var parts = Fn.Split(x, 1, Enumerable.Repeat(config.Width, config.Order + 1).ToArray()); // N+1 × (B, D, L)
        var (kernels, skips) = Filter.Kernels(graph, length);                                  // (D, L), (D)
        var v = parts[^1];
        for (int o = 0; o < config.Order - 1; o++)
        {
            var s = Dropout.Forward(Fn.Mul(v, parts[config.Order - 1 - o]));                   // (B, D, L)
            capture?.KeepInputs(o, s.Value);
            v = Fn.LongConv(s, kernels[o], skips[o]);                                          // (B, D, L)
        }
        var y = Fn.Transpose(Fn.Mul(v, parts[0]), 1, 2);                                       // (B, L, D)
        return OutProj.Forward(y);
    }

    /// <summary>
    /// One new position t of the operator, given what <paramref name="state"/> kept of positions 0 … t−1: the
    /// projections are per position, the short filter needs the last K−1 projections, and each long convolution's
    /// output at t is the sum over s ≤ t of k[t−s]·s_s plus D·s_t, a dot product over the kept inputs, O(D·t)
    /// instead of a whole FFT convolution. Inference only (dropout is off in eval mode).
    /// </summary>
    /// <param name="u">(B, 1, D)</param>
    /// <returns>(B, 1, D), equal to position t of <see cref="Forward(Var)"/> on the whole sequence</returns>
    internal Var Step(Var u, HyenaDecodeLayer state)
    {
        var graph = u.Graph!;
        var projected = Fn.Transpose(InProj.Forward(u), 1, 2);                                  // (B, (N+1)D, 1)
        var window = state.Recent is { } recent ? Fn.Concat([graph.Input(recent), projected], 2) : projected; // (B, (N+1)D, ≤K)
        state.KeepRecent(window.Value);
        var x = Fn.Slice(ShortFilter.Forward(window), 2, window.Shape[2] - 1, 1);               // (B, (N+1)D, 1)
        var parts = Fn.Split(x, 1, Enumerable.Repeat(config.Width, config.Order + 1).ToArray()); // N+1 × (B, D, 1)
        var v = parts[^1];
        for (int o = 0; o < config.Order - 1; o++)
        {
            var s = Dropout.Forward(Fn.Mul(v, parts[config.Order - 1 - o]));                   // (B, D, 1)
            v = graph.Own(state.ConvolveNext(o, s.Value));                                      // (B, D, 1)
        }
        var y = Fn.Transpose(Fn.Mul(v, parts[0]), 1, 2);                                       // (B, 1, D)
        return OutProj.Forward(y);
    }

    private int CheckLength(Var u)
    {
        if (u.Shape.Rank != 3 || u.Shape[2] != config.Width)
            throw new ShapeException($"HyenaOperator: input must have shape (B, L, {config.Width}), got {u.Shape}");
        int length = u.Shape[1];
        if (length > config.MaxLength)
            throw new ArgumentException($"HyenaOperator: sequence length {length} exceeds the model's l_max {config.MaxLength} " +
                                        "(the filter and positional features are built for l_max positions)");
        if (u.Graph is null) throw new InvalidOperationException("HyenaOperator: the input belongs to no graph");
        return length;
    }
}
