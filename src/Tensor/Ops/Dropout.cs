using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Inverted dropout with a mask regenerated from a seed (the gate dropout of reference §1.3 step 6,
// s = dropout(v ⊙ x_i), and the embedding and residual dropouts of the blocks).
//   forward:  y[i] = x[i] · m[i] · s,   m[i] = 1 if uniform(seed, i) ≥ p else 0,   s = 1/(1 − p)
//   backward: dx[i] = dy[i] · m[i] · s  (the same mask, regenerated from the seed: nothing is saved)
// i is the row-major flat index and uniform is CounterRng's 24-bit uniform, so the mask is the same on every
// device; an element is dropped with probability ⌈p·2^24⌉/2^24 (p to within 6e-8). s is computed once on the
// host in the tensor's precision. A dropped element is x·0, so NaN and ±∞ still propagate (as in PyTorch).
// p = 0 returns a copy; p must be in [0, 1).

public static partial class Ops
{
    /// <summary>y = x·m/(1 − p) with m[i] = 1 where uniform(seed, i) ≥ p, else 0.</summary>
    public static Tensor Dropout(Tensor x, float p, ulong seed) => DropoutCore("Dropout", x, p, seed);

    /// <summary>dx = dy·m/(1 − p), with the forward's mask regenerated from <paramref name="seed"/>.</summary>
    public static Tensor DropoutBackward(Tensor dy, float p, ulong seed) => DropoutCore("DropoutBackward", dy, p, seed);

    private static Tensor DropoutCore(string op, Tensor x, float p, ulong seed)
    {
        Check.Float(op, x, "x");
        if (!(p >= 0f && p < 1f))
            throw new ArgumentOutOfRangeException(nameof(p), p, $"{op}: p must be in [0, 1), got {p} (input {x.Shape})");
        if (p == 0f) return x.Clone();
        var rng = new CounterRng(seed);
        var y = Tensor.EmptyLike(x);
        if (x.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewF, CounterRng, float, float>(DropoutKernels.Mask)(x.Size, x.View, y.View, rng, p, 1f / (1f - p));
        else if (x.DType == DType.Float32) DropoutCpu.Mask(x.CpuArray<float>(), y.CpuArray<float>(), x.Size, rng, p, 1f / (1f - p));
        else DropoutCpu.Mask(x.CpuArray<double>(), y.CpuArray<double>(), x.Size, rng, p, 1.0 / (1.0 - p));
        return y;
    }
}

internal static class DropoutCpu
{
    private const int Block = 1024;

    /// <summary>y = x·(u ≥ p ? s : 0), the uniforms made a block at a time by CounterRng.FillUniform; float32
    /// selects and multiplies 8 lanes at a time, float64 one element at a time.</summary>
    public static void Mask<T>(T[] x, T[] y, int n, CounterRng rng, float p, double scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateTruncating(scale);
        CpuParallel.For(n, 4, (start, end) =>
        {
            Span<float> u = stackalloc float[Block];
            for (int b = start; b < end; b += Block)
            {
                int count = Math.Min(Block, end - b), i = 0;
                rng.FillUniform((ulong)b, u[..count]);
                if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
                    i = MaskVectors(u[..count], p, (float)scale, ref Unsafe.As<T, float>(ref x[b]), ref Unsafe.As<T, float>(ref y[b]));
                for (; i < count; i++)
                    y[b + i] = x[b + i] * (u[i] >= p ? s : T.Zero);
            }
        });
    }

    /// <summary>The float32 body over whole vectors; returns how many elements it did.</summary>
    private static int MaskVectors(ReadOnlySpan<float> u, float p, float scale, ref float x, ref float y)
    {
        Vector256<float> vp = Vector256.Create(p), vs = Vector256.Create(scale);
        ref float u0 = ref MemoryMarshal.GetReference(u);
        int i = 0;
        for (; i + 8 <= u.Length; i += 8)
        {
            var keep = Vector256.GreaterThanOrEqual(Vector256.LoadUnsafe(ref u0, (nuint)i), vp);
            var factor = Vector256.ConditionalSelect(keep, vs, Vector256<float>.Zero);
            (Vector256.LoadUnsafe(ref x, (nuint)i) * factor).StoreUnsafe(ref y, (nuint)i);
        }
        return i;
    }
}

internal static class DropoutKernels
{
    [Kernel]
    internal static void Mask(Index1D i, ViewF x, ViewF y, CounterRng rng, float p, float scale) =>
        y[i] = x[i] * (rng.Uniform((ulong)(long)i.X) >= p ? scale : 0f);
}
