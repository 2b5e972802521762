using HyenaIL.Autograd;

namespace HyenaIL.Layers;

/// <summary>
/// Causal multi-head self-attention, the Transformer baseline's mixer, named as flash-attn's MHA
/// (<c>mixer.Wqkv</c>, <c>mixer.out_proj</c>):
/// <code>
///   q, k, v = split(Wqkv(x))                      each (B, H, L, D/H)
///   o = softmax(q·kᵀ/√(D/H), causal) · v          (B, H, L, D/H)
///   y = out_proj(merge heads(o))                   (B, L, D)
/// </code>
/// </summary>
public sealed class CausalSelfAttention : Module, IMixer
{
    private readonly int heads;

    public CausalSelfAttention(Device device, ModelConfig config) : base(device)
    {
        heads = config.Heads;
        Width = config.Width;
        Wqkv = Child("Wqkv", new Linear(device, Width, 3 * Width));
        OutProj = Child("out_proj", new Linear(device, Width, Width));
    }

    public int Width { get; }

    public Linear Wqkv { get; }

    public Linear OutProj { get; }

    public Var Forward(Var x)
    {
        if (x.Shape.Rank != 3 || x.Shape[2] != Width)
            throw new ShapeException($"CausalSelfAttention: input must have shape (B, L, {Width}), got {x.Shape}");
        int b = x.Shape[0], length = x.Shape[1], headDim = Width / heads;
        var qkv = Fn.Reshape(Wqkv.Forward(x), b, length, 3 * heads, headDim);                 // (B, L, 3H, Dh)
        var parts = Fn.Split(Fn.Transpose(qkv, 1, 2), 1, heads, heads, heads);               // 3 × (B, H, L, Dh)
        var o = Fn.CausalAttention(parts[0], parts[1], parts[2], 1f / MathF.Sqrt(headDim));  // (B, H, L, Dh)
        var merged = Fn.Reshape(Fn.Transpose(o, 1, 2), b, length, Width);                    // (B, L, D)
        return OutProj.Forward(merged);
    }
}
