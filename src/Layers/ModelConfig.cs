using System.Text.Json;
using System.Text.Json.Serialization;

namespace HyenaIL.Layers;

/// <summary>Which sequence mixer a block uses.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MixerKind>))]
public enum MixerKind
{
    /// <summary>The Hyena operator (long implicit convolutions and gates).</summary>
    Hyena,

    /// <summary>Causal multi-head self-attention, with learned positional embeddings: the Transformer baseline.</summary>
    Attention,
}

/// <summary>
/// Everything that fixes a language model's architecture. Defaults are the reference code's (reference/hyena.md
/// §1.2, §2, §3): order 2, filter width 64, E = 3, short filter 3, decay 0.3/1.5 to 1e−2, shift 0, Sin frequency 1
/// (the presets set 10 and 14 as the reference's configs do). Saved as JSON in checkpoints.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>V: tokens the data uses.</summary>
    public int Vocab { get; init; } = 256;

    /// <summary>The embedding table has <see cref="Vocab"/> rounded up to a multiple of this (8 for the Pile).</summary>
    public int PadVocabMultiple { get; init; } = 1;

    /// <summary>D.</summary>
    public int Width { get; init; } = 64;

    public int Layers { get; init; } = 2;

    /// <summary>The MLP's hidden width (2D for the Pile models, 4D for the synthetics).</summary>
    public int InnerWidth { get; init; } = 256;

    /// <summary>l_max: the longest sequence; the filter and positional features are built for it.</summary>
    public int MaxLength { get; init; } = 1024;

    public MixerKind Mixer { get; init; } = MixerKind.Hyena;

    /// <summary>N: N+1 projections and N−1 long convolutions.</summary>
    public int Order { get; init; } = 2;

    /// <summary>F: width of the filter MLP.</summary>
    public int FilterWidth { get; init; } = 64;

    /// <summary>Number of F→F layers in the filter MLP (the reference's num_inner_mlps).</summary>
    public int FilterInnerLayers { get; init; } = 2;

    /// <summary>E: positional features (odd, at least 3).</summary>
    public int PositionalDims { get; init; } = 3;

    /// <summary>K: the short filter's kernel size.</summary>
    public int ShortFilter { get; init; } = 3;

    /// <summary>w: the Sin frequency at initialisation.</summary>
    public double SinFrequency { get; init; } = 1.0;

    public double FastDecay { get; init; } = 0.3;

    public double SlowDecay { get; init; } = 1.5;

    public double DecayTarget { get; init; } = 1e-2;

    public double ModulationShift { get; init; }

    public bool Modulate { get; init; } = true;

    /// <summary>Whether the positional features z are a trained parameter (group Positional, weight decay 0) or a
    /// frozen buffer: the reference's lr_pos_emb ≠ 0 (reference/hyena.md §2.1). This is the one switch; an explicit
    /// <see cref="OptimizerSettings.PositionalLearningRate"/> must agree with it (0 exactly when false), and the
    /// optimizers refuse one that does not.</summary>
    public bool TrainPositional { get; init; } = true;

    /// <summary>Attention heads (the Transformer baseline only); D must divide by it.</summary>
    public int Heads { get; init; } = 4;

    public double EmbedDropout { get; init; } = 0.1;

    public double ResidDropout { get; init; }

    /// <summary>Dropout on each gated product before its long convolution.</summary>
    public double MixerDropout { get; init; }

    public double LayerNormEps { get; init; } = 1e-5;

    /// <summary>Recompute each block's activations in backward instead of keeping them: memory for long
    /// sequences at the price of a second forward pass. Does not change the results.</summary>
    public bool RecomputeBlocks { get; init; }

    /// <summary>The embedding table's row count: <see cref="Vocab"/> padded to <see cref="PadVocabMultiple"/>.</summary>
    [JsonIgnore]
    public int PaddedVocab => (Vocab + PadVocabMultiple - 1) / PadVocabMultiple * PadVocabMultiple;

    /// <summary>The reference's 131k-token associative-recall model (hyena-131k-30vs.yaml): 129,408 trained parameters.</summary>
    public static ModelConfig Synthetic131k { get; } = new()
    {
        Vocab = 30, Width = 64, Layers = 2, InnerWidth = 256, MaxLength = 131074, PositionalDims = 5,
        FilterWidth = 64, SinFrequency = 10, TrainPositional = false, EmbedDropout = 0.1,
    };

    /// <summary>The reference's 153M Pile model (pile/hyena.yaml).</summary>
    public static ModelConfig Pile153M { get; } = new()
    {
        Vocab = 50257, PadVocabMultiple = 8, Width = 864, Layers = 18, InnerWidth = 1728, MaxLength = 2048,
        PositionalDims = 33, FilterWidth = 64, SinFrequency = 14, TrainPositional = true, EmbedDropout = 0.1,
    };

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of range.</summary>
    public ModelConfig Validate()
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new ArgumentException($"model config: {what}");
        }
        Require(Vocab >= 1, $"Vocab must be at least 1, got {Vocab}");
        Require(PadVocabMultiple >= 1, $"PadVocabMultiple must be at least 1, got {PadVocabMultiple}");
        Require(Width >= 1, $"Width must be at least 1, got {Width}");
        Require(Layers >= 1, $"Layers must be at least 1, got {Layers}");
        Require(InnerWidth >= 1, $"InnerWidth must be at least 1, got {InnerWidth}");
        Require(MaxLength >= 1, $"MaxLength must be at least 1, got {MaxLength}");
        Require(Order >= 2, $"Order must be at least 2, got {Order}");
        Require(FilterWidth >= 1, $"FilterWidth must be at least 1, got {FilterWidth}");
        Require(FilterInnerLayers >= 0, $"FilterInnerLayers must be at least 0, got {FilterInnerLayers}");
        Require(PositionalDims >= 3 && PositionalDims % 2 == 1, $"PositionalDims must be odd and at least 3, got {PositionalDims}");
        Require(ShortFilter >= 1, $"ShortFilter must be at least 1, got {ShortFilter}");
        Require(Mixer != MixerKind.Attention || (Heads >= 1 && Width % Heads == 0), $"Width {Width} must divide by Heads {Heads}");
        Require(EmbedDropout is >= 0 and < 1 && ResidDropout is >= 0 and < 1 && MixerDropout is >= 0 and < 1, "dropout rates must be in [0, 1)");
        Require(FastDecay > 0 && SlowDecay > 0 && DecayTarget is > 0 and < 1, "decay settings must be positive, target in (0, 1)");
        return this;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static ModelConfig FromJson(string json) =>
        (JsonSerializer.Deserialize<ModelConfig>(json, JsonOptions) ?? throw new ArgumentException("model config: empty JSON")).Validate();

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false };
}
