namespace HyenaIL.Layers;

/// <summary>
/// The implicit filter's input features (reference §2.1), built once for l_max positions:
/// t_n = n/(l_max − 1); ω_n = 2πn/l_max; f = linspace(1e−4, K − 1, K), K = (E − 1)/2;
/// z_n = [t_n, cos(f_0 ω_n) … cos(f_{K−1} ω_n), −sin(f_0 ω_n) … −sin(f_{K−1} ω_n)].
/// z (1, l_max, E) is trained in its own optimizer group, or a frozen buffer when the positional learning rate
/// is 0 (the synthetic configs); t (1, l_max, 1) is always a buffer, and it is t, not z's column 0 (which training may
/// move, reference §6.10), that the decay window reads. Computed in float64 and rounded once, so values may differ
/// from PyTorch's float32 evaluation by an ulp; a loaded checkpoint's z and t replace them and are what the forward
/// pass uses.
/// </summary>
public sealed class PositionalEmbedding : Module
{
    public PositionalEmbedding(Device device, int embDim, int maxLength, bool trainable) : base(device)
    {
        if (embDim < 3 || embDim % 2 == 0)
            throw new ArgumentOutOfRangeException(nameof(embDim), embDim, "the positional feature size E must be odd and at least 3");
        if (maxLength < 1)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "l_max must be at least 1");
        EmbDim = embDim;
        MaxLength = maxLength;
        var (z, t) = Features(embDim, maxLength);
        var zTensor = Tensor.FromArray(z, Shape.Of(1, maxLength, embDim), device);               // (1, l_max, E)
        if (trainable)
        {
            Z = Param("z", zTensor.Shape, new TensorInit(z), ParameterGroup.Positional);
            Z.Value.CopyFrom(zTensor);
            zTensor.Dispose();
            ZBuffer = null;
        }
        else ZBuffer = Buffer("z", zTensor);
        T = Buffer("t", Tensor.FromArray(t, Shape.Of(1, maxLength, 1), device));                 // (1, l_max, 1)
    }

    public int EmbDim { get; }

    public int MaxLength { get; }

    /// <summary>z as a trained parameter, or null when frozen (then <see cref="ZBuffer"/>).</summary>
    public Parameter? Z { get; }

    public BufferSlot? ZBuffer { get; }

    public BufferSlot T { get; }

    /// <summary>The features in float32 as the reference computes them (float64, rounded once).</summary>
    public static (float[] Z, float[] T) Features(int embDim, int maxLength)
    {
        int bands = (embDim - 1) / 2;
        var f = new double[bands];
        for (int k = 0; k < bands; k++)
            f[k] = bands == 1 ? 1e-4 : 1e-4 + (bands - 1 - 1e-4) * k / (bands - 1);
        var z = new float[maxLength * embDim];
        var t = new float[maxLength];
        for (int n = 0; n < maxLength; n++)
        {
            double tn = maxLength == 1 ? 0 : (double)n / (maxLength - 1);
            double w = 2 * Math.PI * n / maxLength;
            t[n] = (float)tn;
            z[n * embDim] = (float)tn;
            for (int k = 0; k < bands; k++)
            {
                z[n * embDim + 1 + k] = (float)Math.Cos(f[k] * w);
                z[n * embDim + 1 + bands + k] = (float)-Math.Sin(f[k] * w);
            }
        }
        return (z, t);
    }
}

/// <summary>Initialises a parameter to fixed values (deterministic features such as z).</summary>
public sealed record TensorInit(float[] Values) : Init
{
    public override void Apply(Tensor t, ulong seed)
    {
        using var v = Tensor.FromArray(Values, t.Shape, t.Device);
        t.CopyFrom(v);
    }
}
