using System.Text.RegularExpressions;

namespace HyenaIL.Layers;

/// <summary>
/// Recovers a model config from a checkpoint that carries none (one written by the reference implementation and
/// converted to safetensors), from the names and shapes of its tensors: width and vocabulary from the embedding (or
/// from <c>lm_head.weight</c>, the same tensor tied, when a converter kept only that name), layers from
/// <c>backbone.layers.{i}</c>, order from in_proj, d_inner from fc1, E and l_max from pos_emb.z, the filter width and
/// depth from implicit_filter, the short filter from short_filter.weight.
/// <para>What names and shapes cannot tell is assumed, as <see cref="Assumptions"/> says: the vocabulary is the
/// table's row count (the reference pads it to a multiple of <c>pad_vocab_size_multiple</c> and does not store the
/// unpadded size, so the padded rows are ordinary tokens here and the logits have as many columns as the reference's);
/// z is trained (the reference stores z under the same name whether it is a parameter or a frozen buffer, so this only
/// matters for further training); the decay window is on with shift 0 (the reference always stores Δ, with
/// <c>modulate</c> on or off; its training configs modulate, the released 153M checkpoint's eval config does not —
/// reference §3.4 — so a checkpoint made with <c>modulate=False</c> needs its config set by hand); LayerNorm eps 1e−5,
/// no dropout. Δ, t, z and the Sin frequencies are not assumed: they are loaded from the file.</para>
/// </summary>
public static partial class ArchitectureInference
{
    /// <summary>What an inferred config assumes, in one sentence for messages and summaries.</summary>
    public const string Assumptions =
        "an inferred config assumes vocabulary = the embedding's rows (padding included), trained z, the decay window on " +
        "(modulate) with shift 0, LayerNorm eps 1e-5 and no dropout; deltas, t, z and the Sin frequencies come from the file";

    public const string EmbeddingName = "backbone.embeddings.word_embeddings.weight";
    public const string HeadName = "lm_head.weight";

    public static ModelConfig Infer(CheckpointFile file)
    {
        var t = file.Tensors;
        Shape Need(string name) => t.TryGetValue(name, out var s) ? s.Shape
            : throw new CheckpointException($"checkpoint {file.Path} has no HyenaIL config and no '{name}' to infer the architecture from");
        var emb = t.TryGetValue(EmbeddingName, out var e) ? e.Shape                     // (V_pad, D)
            : t.TryGetValue(HeadName, out var head) ? head.Shape                        // the tied head, the same tensor
            : throw new CheckpointException($"checkpoint {file.Path} has no HyenaIL config and neither '{EmbeddingName}' " +
                                            $"nor '{HeadName}' to infer the width and vocabulary from");
        if (emb.Rank != 2)
            throw new CheckpointException($"checkpoint {file.Path}: the token embedding has shape {emb}, expected (V, D)");
        int d = emb[1];
        var layerIds = t.Keys.Select(k => LayerName().Match(k)).Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().Order().ToList();
        if (layerIds.Count == 0 || layerIds[^1] != layerIds.Count - 1)
            throw new CheckpointException($"checkpoint {file.Path}: backbone.layers.* are missing or not numbered 0…n−1");
        const string m = "backbone.layers.0.mixer.";
        int inner = Need("backbone.layers.0.mlp.fc1.weight")[0];
        var config = new ModelConfig { Vocab = emb[0], PadVocabMultiple = 1, Width = d, Layers = layerIds.Count, InnerWidth = inner, EmbedDropout = 0 };
        if (t.ContainsKey(m + "Wqkv.weight"))
        {
            var pos = Need("backbone.embeddings.position_embeddings.weight");
            int heads = d % 64 == 0 ? d / 64 : throw new CheckpointException(
                $"checkpoint {file.Path}: an attention model of width {d} has no stored head count and {d} is not a multiple of 64");
            return (config with { Mixer = MixerKind.Attention, MaxLength = pos[0], Heads = heads }).Validate();
        }
        int order = Need(m + "in_proj.weight")[0] / d - 1;
        var z = Need(m + "filter_fn.pos_emb.z");                                        // (1, l_max, E)
        int filterWidth = Need(m + "filter_fn.implicit_filter.0.weight")[0];
        int linears = t.Keys.Count(k => k.StartsWith(m + "filter_fn.implicit_filter.", StringComparison.Ordinal) && k.EndsWith(".weight", StringComparison.Ordinal));
        int shortFilter = Need(m + "short_filter.weight")[^1];
        return (config with
        {
            Mixer = MixerKind.Hyena, Order = order, MaxLength = z[1], PositionalDims = z[2], FilterWidth = filterWidth,
            FilterInnerLayers = linears - 2, ShortFilter = shortFilter, TrainPositional = true, Modulate = true, ModulationShift = 0,
        }).Validate();
    }

    [GeneratedRegex(@"^backbone\.layers\.(\d+)\.")]
    private static partial Regex LayerName();
}
