using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// Incremental decoding of a Hyena LM: the logits for one more token at a time, reusing what the earlier positions
/// computed instead of rerunning the model on the whole context.
/// <code>
///   prefill (the prompt, P tokens):  one ordinary forward pass, keeping per layer the last K−1 in_proj outputs
///                                    and every long convolution's input s (B, D, P)
///   each new token at position t:    embeddings, norms, projections and MLP on that position alone;
///                                    short filter over the kept K−1 positions and the new one;
///                                    long convolution y_t = Σ_{s≤t} k[t−s]·s_s + D·s_t, a dot product, O(D·t)
/// </code>
/// A new token costs O(layers · (D² + N·D·t)) instead of O(layers · L·(D² + D log L)): at t = 8K it is hundreds of
/// times cheaper. Up to float32 rounding (a direct sum in place of the FFT) the logits equal those of
/// <see cref="LanguageModel.Forward"/> on the whole sequence; the tests hold them to that.
/// The context cannot grow past l_max (the filter is built for l_max positions): <see cref="Append"/> then refuses,
/// and a caller that wants to go on starts again from the last l_max tokens. Only the Hyena mixer decodes this
/// way; the attention baseline has no cache and reruns its context.
/// </summary>
public sealed class DecodeState : IDisposable
{
    private readonly LanguageModel model;
    private readonly HyenaDecodeLayer[] layers;
    private bool disposed;

    internal DecodeState(LanguageModel model, IReadOnlyList<int> prompt)
    {
        var config = model.Config;
        if (config.Mixer != MixerKind.Hyena)
            throw new NotSupportedException($"incremental decoding needs the Hyena mixer; this model's mixer is {config.Mixer}");
        if (prompt.Count == 0) throw new ArgumentException("DecodeState: the prompt must hold at least one token", nameof(prompt));
        if (prompt.Count > config.MaxLength)
            throw new ArgumentException($"DecodeState: the prompt has {prompt.Count} tokens, more than the model's l_max {config.MaxLength}", nameof(prompt));
        foreach (int t in prompt) CheckToken(config, t);
        this.model = model;
        var operators = model.Backbone.Layers.Items.Select(b => (HyenaOperator)b.Mixer).ToArray();
        layers = new HyenaDecodeLayer[operators.Length];
        try
        {
            for (int i = 0; i < layers.Length; i++) layers[i] = new HyenaDecodeLayer(operators[i], config);
            Logits = Run(prompt.ToArray(), (block, i, h) => ((HyenaOperator)block.Mixer).Forward(h, layers[i]));
            Position = prompt.Count;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Tokens seen so far (the prompt and every appended token).</summary>
    public int Position { get; private set; }

    /// <summary>The logits (V_pad) that predict the token after the last one seen.</summary>
    public float[] Logits { get; private set; } = [];

    /// <summary>Feeds one more token; <see cref="Logits"/> then predicts the one after it.</summary>
    public void Append(int token)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        CheckToken(model.Config, token);
        if (Position >= model.Config.MaxLength)
            throw new InvalidOperationException($"DecodeState: the context is full ({Position} tokens = l_max); start again from the last tokens");
        Logits = Run([token], (block, i, h) => ((HyenaOperator)block.Mixer).Step(h, layers[i]));
        Position++;
    }

    /// <summary>Embeds <paramref name="tokens"/>, runs the blocks with the given mixer call, and returns the last
    /// position's logits; always in eval mode (dropout off), restoring the model's mode after.</summary>
    private float[] Run(int[] tokens, Func<Block, int, Var, Var> mixer)
    {
        bool training = model.Training;
        model.Eval();
        try
        {
            using var ids = Tensor.FromArray(tokens, Shape.Of(1, tokens.Length), model.Device);
            using var graph = new Graph(recordGradients: false);
            var backbone = model.Backbone;
            var r = backbone.Embeddings.Forward(graph.Input(ids));                                     // (1, L, D)
            var blocks = backbone.Layers.Items;
            for (int i = 0; i < blocks.Count; i++)
            {
                var block = blocks[i];
                int layer = i;
                r = block.Forward(r, h => mixer(block, layer, h));
            }
            var last = Fn.Slice(backbone.FinalNorm.Forward(r), 1, tokens.Length - 1, 1);              // (1, 1, D)
            return Fn.Matmul(last, backbone.Embeddings.Words.Weight, transB: true).Value.ToFloatArray(); // (V_pad)
        }
        finally
        {
            model.Train(training);
        }
    }

    private static void CheckToken(ModelConfig config, int token)
    {
        if ((uint)token >= (uint)config.Vocab)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token {token} is outside the model's vocabulary of {config.Vocab}");
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (layers is null) return;
        foreach (var layer in layers) layer?.Dispose();
    }
}

/// <summary>What one Hyena layer keeps between decoding steps: the last K−1 projections (for the short filter),
/// every long convolution's inputs so far, and the filters, time-reversed, with their D terms.</summary>
internal sealed class HyenaDecodeLayer : IDisposable
{
    private readonly int keep;
    private readonly int maxLength;
    private readonly Tensor[] reversedKernels;   // N−1 × (D, l_max): k[l_max − 1 − j] at j
    private readonly Tensor[] skips;             // N−1 × (D, 1)
    private readonly Tensor?[] inputs;           // N−1 × (B, D, t)

    public HyenaDecodeLayer(HyenaOperator op, ModelConfig config)
    {
        keep = config.ShortFilter - 1;
        maxLength = config.MaxLength;
        int convolutions = config.Order - 1, d = config.Width;
        reversedKernels = new Tensor[convolutions];
        skips = new Tensor[convolutions];
        inputs = new Tensor?[convolutions];
        using var graph = new Graph(recordGradients: false);
        var (kernels, ds) = op.Filter.Kernels(graph, maxLength);                                 // (D, l_max), (D)
        for (int o = 0; o < convolutions; o++)
        {
            var k = kernels[o].Value.ToFloatArray();
            for (int c = 0; c < d; c++) Array.Reverse(k, c * maxLength, maxLength);
            reversedKernels[o] = Tensor.FromArray(k, Shape.Of(d, maxLength), op.Device);
            skips[o] = Tensor.FromArray(ds[o].Value.ToFloatArray(), Shape.Of(d, 1), op.Device);
        }
    }

    /// <summary>The in_proj outputs of the last K−1 positions (B, (N+1)D, ≤ K−1); null before the first.</summary>
    public Tensor? Recent { get; private set; }

    /// <summary>Keeps the last K−1 positions of <paramref name="projected"/> (B, (N+1)D, L).</summary>
    public void KeepRecent(Tensor projected)
    {
        int length = projected.Shape[2], n = Math.Min(keep, length);
        var next = n == 0 ? null : Ops.Slice(projected, 2, length - n, n);
        Recent?.Dispose();
        Recent = next;
    }

    /// <summary>Keeps the inputs (B, D, L) of long convolution <paramref name="o"/> over the prompt.</summary>
    public void KeepInputs(int o, Tensor s)
    {
        inputs[o]?.Dispose();
        inputs[o] = s.Clone();
    }

    /// <summary>Appends s_t (B, D, 1) to convolution <paramref name="o"/>'s inputs and returns its output at t,
    /// Σ_{s≤t} k[t−s]·s_s + D·s_t (B, D, 1).</summary>
    public Tensor ConvolveNext(int o, Tensor s)
    {
        var all = inputs[o] is { } previous ? Ops.Concat([previous, s], 2) : s.Clone();        // (B, D, t+1)
        inputs[o]?.Dispose();
        inputs[o] = all;
        int count = all.Shape[2];
        using var k = Ops.Slice(reversedKernels[o], 1, maxLength - count, count);                // (D, t+1): k[t − s] at s
        using var products = Ops.Mul(all, k);                                                    // (B, D, t+1)
        using var sum = Ops.Sum(products, 2, keepDims: true);                                    // (B, D, 1)
        using var skip = Ops.Mul(s, skips[o]);                                                   // (B, D, 1)
        return Ops.Add(sum, skip);
    }

    public void Dispose()
    {
        Recent?.Dispose();
        foreach (var t in reversedKernels) t?.Dispose();
        foreach (var t in skips) t?.Dispose();
        foreach (var t in inputs) t?.Dispose();
    }
}
