using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// A causal language model (reference §3, safari's SimpleLMHeadModel), top to bottom:
/// <code>
///   r = dropout(E[ids] (+ P[positions] for the attention baseline))     (B, L, D)
///   r = block_i(r) for each layer                                         (B, L, D)
///   logits = ln_f(r) · Eᵀ                                                 (B, L, V_pad), head tied to E
/// </code>
/// With the Hyena mixer this is HyenaLM (no positional embedding); with attention it is the Transformer
/// baseline, identical but for the mixer and the learned positions. Parameter names follow the reference's
/// state_dict (<c>backbone.embeddings.word_embeddings.weight</c>, …, <c>lm_head.weight</c>).
/// </summary>
public sealed class LanguageModel : Module
{
    public LanguageModel(ModelConfig config, Device device, ulong seed) : base(device)
    {
        Config = config.Validate();
        Backbone = Child("backbone", new LmBackbone(device, config));
        Alias("lm_head.weight", Backbone.Embeddings.Words.Weight);
        ApplyResidualScaling();
        Initialize(seed);
    }

    public ModelConfig Config { get; }

    public LmBackbone Backbone { get; }

    /// <param name="ids">int32 (B, L), wrapped with graph.Input</param>
    /// <returns>logits (B, L, V_pad)</returns>
    public Var Forward(Var ids)
    {
        if (ids.Shape.Rank != 2)
            throw new ShapeException($"LanguageModel: token ids must have shape (B, L), got {ids.Shape}");
        if (ids.Shape[1] > Config.MaxLength)
            throw new ArgumentException($"LanguageModel: sequence length {ids.Shape[1]} exceeds the model's l_max {Config.MaxLength}");
        var h = Backbone.Forward(ids);                                                            // (B, L, D)
        return Fn.Matmul(h, Backbone.Embeddings.Words.Weight, transB: true);                      // (B, L, V_pad)
    }

    /// <summary>Starts incremental decoding after <paramref name="prompt"/> (Hyena mixer only): see <see cref="DecodeState"/>.</summary>
    public DecodeState StartDecoding(IReadOnlyList<int> prompt) => new(this, prompt);

    /// <summary>Mean cross-entropy of <paramref name="logits"/> (B, L, V) against int32 targets (B, L);
    /// targets equal to <paramref name="ignoreIndex"/> do not count.</summary>
    public static Var Loss(Var logits, Var targets, int ignoreIndex = -100)
    {
        int v = logits.Shape[^1];
        return Fn.CrossEntropy(Fn.Reshape(logits, -1, v), Fn.Reshape(targets, -1), ignoreIndex);
    }

    /// <summary>GPT-2's rescaling of the residual projections (reference §3.3): out_proj.weight and fc2.weight
    /// start at N(0, 0.02/√(2·layers)).</summary>
    private void ApplyResidualScaling()
    {
        double std = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var (name, p) in NamedParameters())
            if (name.EndsWith("out_proj.weight", StringComparison.Ordinal) || name.EndsWith("fc2.weight", StringComparison.Ordinal))
                p.Init = Init.Normal(std);
    }
}

/// <summary>The LM's body, under the state_dict prefix <c>backbone</c>.</summary>
public sealed class LmBackbone : Module
{
    public LmBackbone(Device device, ModelConfig config) : base(device)
    {
        Embeddings = Child("embeddings", new LmEmbeddings(device, config));
        Layers = Child("layers", new ModuleList<Block>(device, Enumerable.Range(0, config.Layers)
            .Select(i => new Block(device, config, i) { Recompute = config.RecomputeBlocks })));
        FinalNorm = Child("ln_f", new LayerNorm(device, config.Width, (float)config.LayerNormEps));
    }

    public LmEmbeddings Embeddings { get; }

    public ModuleList<Block> Layers { get; }

    public LayerNorm FinalNorm { get; }

    /// <param name="ids">(B, L)</param>
    /// <returns>(B, L, D)</returns>
    public Var Forward(Var ids)
    {
        var r = Embeddings.Forward(ids);
        foreach (var block in Layers.Items) r = block.Forward(r);
        return FinalNorm.Forward(r);
    }
}

/// <summary>Token embeddings (and learned positions for the attention baseline), then the embedding dropout.</summary>
public sealed class LmEmbeddings : Module
{
    public LmEmbeddings(Device device, ModelConfig config) : base(device)
    {
        Words = Child("word_embeddings", new Embedding(device, config.PaddedVocab, config.Width));
        if (config.Mixer == MixerKind.Attention)
            Positions = Child("position_embeddings", new Embedding(device, config.MaxLength, config.Width));
        Drop = Child("drop", new Dropout(device, (float)config.EmbedDropout, 0));
    }

    public Embedding Words { get; }

    public Embedding? Positions { get; }

    private Dropout Drop { get; }

    public Var Forward(Var ids)
    {
        var h = Words.Forward(ids);                                                               // (B, L, D)
        if (Positions is not null)
        {
            var graph = ids.Graph!;
            var positions = graph.Own(Tensor.Arange(ids.Shape[1], Device, DType.Int32));          // (L)
            h = Fn.Add(h, Positions.Forward(positions));                                          // (B, L, D) + (L, D)
        }
        return Drop.Forward(h);
    }
}
