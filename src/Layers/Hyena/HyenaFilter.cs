using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// The implicit long filter (reference §2): h_t = window(t) · FFN(z_t), an MLP of sine activations over the
/// positional features, evaluated at every position up to L. It yields N−1 kernels k_o (D, L) and the skip terms
/// D_o (D) of the operator's long convolutions. Channels are laid out as the reference's full version:
/// filter channel c·(N−1) + o belongs to convolution o, channel c (§1.6).
/// </summary>
public sealed class HyenaFilter : Module
{
    public HyenaFilter(Device device, ModelConfig config) : base(device)
    {
        Width = config.Width;
        Convolutions = config.Order - 1;
        int channels = Width * Convolutions;
        PosEmb = Child("pos_emb", new PositionalEmbedding(device, config.PositionalDims, config.MaxLength, config.TrainPositional));
        Mlp = Child("implicit_filter", new ImplicitFilterMlp(device, config.PositionalDims, config.FilterWidth, channels, config.SinFrequency, config.FilterInnerLayers));
        Modulation = Child("modulation", new ExponentialModulation(device, channels, config.FastDecay, config.SlowDecay,
            config.DecayTarget, config.ModulationShift, config.Modulate));
        Bias = Param("bias", Shape.Of(channels), Init.Normal(1.0));                                          // (C)
    }

    public int Width { get; }

    /// <summary>N − 1.</summary>
    public int Convolutions { get; }

    public PositionalEmbedding PosEmb { get; }

    public ImplicitFilterMlp Mlp { get; }

    public ExponentialModulation Modulation { get; }

    /// <summary>The skip terms D of all convolutions, (D·(N−1)).</summary>
    public Parameter Bias { get; }

    /// <summary>The filter h (L, C) evaluated at the first <paramref name="length"/> positions, from the stored z, t and
    /// Δ (a loaded checkpoint's, not the config's).</summary>
    public Var Evaluate(Graph graph, int length)
    {
        var z = PosEmb.Z is { } trained ? graph.Attach(trained) : graph.Input(PosEmb.ZBuffer!.Value);                       // (1, l_max, E)
        var rows = Fn.Reshape(Fn.Slice(z, 1, 0, length), length, PosEmb.EmbDim);                            // (L, E)
        var h = Mlp.Forward(rows);                                                                           // (L, C)
        if (Modulation.Modulate)
            h = Fn.Mul(h, graph.Own(Modulation.Window(PosEmb.T, length)));                             // (L, C)
        return h;
    }

    /// <summary>The kernels k_o (D, L) and skip terms D_o (D) of the N−1 long convolutions.</summary>
    public (Var[] Kernels, Var[] Skips) Kernels(Graph graph, int length)
    {
        var h = Evaluate(graph, length);                                                                     // (L, D·(N−1))
        var perConv = Fn.Transpose(Fn.Reshape(h, length, Width, Convolutions), 0, 2);                        // (N−1, D, L)
        var d = Fn.Transpose(Fn.Reshape(graph.Attach(Bias), Width, Convolutions), 0, 1);                   // (N−1, D)
        var kernels = Fn.Split(perConv, 0, Enumerable.Repeat(1, Convolutions).ToArray())
            .Select(k => Fn.Reshape(k, Width, length)).ToArray();
        var skips = Fn.Split(d, 0, Enumerable.Repeat(1, Convolutions).ToArray())
            .Select(s => Fn.Reshape(s, Width)).ToArray();
        return (kernels, skips);
    }
}

/// <summary>
/// The filter MLP (reference §2.2), named as the reference's nn.Sequential: 0 Linear(E→W), 1 Sin, 2 Linear(W→W),
/// 3 Sin, 4 Linear(W→W), 5 Sin, 6 Linear(W→C, no bias); the Sin at 1, 3 and 5 is one module. Every parameter
/// here joins the filter optimizer group.
/// </summary>
public sealed class ImplicitFilterMlp : Module
{
    private readonly List<Linear> linears = new();

    public ImplicitFilterMlp(Device device, int embDim, int width, int channels, double sinFrequency, int innerLayers) : base(device)
    {
        Sin = new Sin(device, width, sinFrequency);
        int index = 0;
        linears.Add(Child(Name(index++), new Linear(device, embDim, width, group: ParameterGroup.Filter)));
        Child(Name(index++), Sin);
        for (int i = 0; i < innerLayers; i++)
        {
            linears.Add(Child(Name(index++), new Linear(device, width, width, group: ParameterGroup.Filter)));
            AliasChild(Name(index++), Sin);
        }
        linears.Add(Child(Name(index), new Linear(device, width, channels, bias: false, group: ParameterGroup.Filter)));
    }

    public Sin Sin { get; }

    public IReadOnlyList<Linear> Linears => linears;

    /// <param name="z">(L, E)</param>
    /// <returns>(L, C)</returns>
    public Var Forward(Var z)
    {
        var h = z;
        for (int i = 0; i < linears.Count - 1; i++)
            h = Sin.Forward(linears[i].Forward(h));                                                          // (L, W)
        return linears[^1].Forward(h);                                                                       // (L, C)
    }

    private static string Name(int i) => i.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
