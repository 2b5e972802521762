using System.Numerics;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// ShortConv: the Hyena short filter (reference §1.3 step 3), a depthwise causal 1-D convolution.
// x (B, C, L), weight (C, K), bias (C); write σ_k = K−1−k for tap k's delay:
//   forward:  y[b,c,t]  = bias[c] + Σ_{k=0}^{K−1} w[c,k]·x[b,c,t−σ_k],   x at negative time = 0
//             This is PyTorch's Conv1d(C, C, K, groups=C, padding=K−1) (a cross-correlation) with the first L
//             outputs kept: tap K−1 multiplies the current token, tap 0 the token K−1 steps back.
//   backward: dx[b,c,s] = Σ_k w[c,k]·dy[b,c,s+σ_k]          over s + σ_k < L   (an anti-causal correlation)
//             dw[c,k]   = Σ_b Σ_{t≥σ_k} dy[b,c,t]·x[b,c,t−σ_k]
//             dbias[c]  = Σ_b Σ_t dy[b,c,t]
// CPU: parallel over rows (b, c), vectorised over t; the backward keeps per-row sums of dw and dbias and adds them
// over the batch afterwards. ILGPU: one thread per element of y and of dx; one group per (c, tap) reduces dw and
// dbias over B·L in shared memory.

public static partial class Ops
{
    /// <summary>Depthwise causal convolution: y[b,c,t] = bias[c] + Σ_k weight[c,k]·x[b,c,t−(K−1)+k].</summary>
    /// <param name="x">(B, C, L)</param>
    /// <param name="weight">(C, K)</param>
    /// <param name="bias">(C)</param>
    /// <returns>y (B, C, L)</returns>
    public static Tensor ShortConv(Tensor x, Tensor weight, Tensor bias)
    {
        CheckShortConv("ShortConv", x, weight, x, "x");
        Check.Binary("ShortConv", x, bias, "x", "bias");
        Check.Shape("ShortConv", bias, new Shape(x.Shape[1]), "bias");
        var d = new ShortConvDims(x.Shape[0], x.Shape[1], x.Shape[2], weight.Shape[1]);
        var y = Tensor.EmptyLike(x); // (B, C, L)
        if (x.Device is IlgpuDevice g)
        {
            g.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF, ShortConvDims>(ShortConvKernels.Forward)(
                x.Size, x.View, weight.View, bias.View, y.View, d);
        }
        else if (x.DType == DType.Float32)
            ShortConvCpu.Forward(x.CpuArray<float>(), weight.CpuArray<float>(), bias.CpuArray<float>(), y.CpuArray<float>(), d);
        else
            ShortConvCpu.Forward(x.CpuArray<double>(), weight.CpuArray<double>(), bias.CpuArray<double>(), y.CpuArray<double>(), d);
        return y;
    }

    /// <summary>The gradients of <see cref="ShortConv"/> with respect to x, weight and bias, given the forward's
    /// x and weight and the output gradient dy (B, C, L).</summary>
    public static (Tensor DX, Tensor DWeight, Tensor DBias) ShortConvBackward(Tensor x, Tensor weight, Tensor dy)
    {
        CheckShortConv("ShortConvBackward", x, weight, dy, "dy");
        var d = new ShortConvDims(x.Shape[0], x.Shape[1], x.Shape[2], weight.Shape[1]);
        var dx = Tensor.EmptyLike(x); // (B, C, L)
        var dWeight = Tensor.EmptyLike(weight); // (C, K)
        var dBias = Tensor.Empty(new Shape(d.C), x.Device, x.DType); // (C)
        if (x.Device is IlgpuDevice g) ShortConvKernels.Backward(g, x, weight, dy, dx, dWeight, dBias, d);
        else if (x.DType == DType.Float32)
            ShortConvCpu.Backward(x.CpuArray<float>(), weight.CpuArray<float>(), dy.CpuArray<float>(),
                dx.CpuArray<float>(), dWeight.CpuArray<float>(), dBias.CpuArray<float>(), d);
        else
            ShortConvCpu.Backward(x.CpuArray<double>(), weight.CpuArray<double>(), dy.CpuArray<double>(),
                dx.CpuArray<double>(), dWeight.CpuArray<double>(), dBias.CpuArray<double>(), d);
        return (dx, dWeight, dBias);
    }

    /// <summary>x is (B, C, L), weight (C, K), and <paramref name="other"/> (the output gradient, or x itself)
    /// has x's shape; all float, on one device, of one dtype.</summary>
    private static void CheckShortConv(string op, Tensor x, Tensor weight, Tensor other, string otherName)
    {
        Check.Binary(op, x, weight, "x", "weight");
        Check.Binary(op, x, other, "x", otherName);
        if (x.Rank != 3)
            throw new ShapeException($"{op}: x must have shape (B, C, L), got {x.Shape}");
        if (weight.Rank != 2 || weight.Shape[0] != x.Shape[1])
            throw new ShapeException($"{op}: weight must have shape (C, K) = ({x.Shape[1]}, K) for x {x.Shape}, got {weight.Shape}");
        Check.Shape(op, other, x.Shape, otherName);
    }
}

/// <summary>Batch, channels, length, taps. A kernel argument: public, as ILGPU's generated launchers need.</summary>
public readonly struct ShortConvDims(int b, int c, int l, int k)
{
    public readonly int B = b;
    public readonly int C = c;
    public readonly int L = l;
    public readonly int K = k;
}

/// <summary>
/// Rows (b, c) in parallel, in memory order, vectorised over t with <c>Vector&lt;T&gt;</c>: each output vector
/// is K multiply-adds of shifted loads of the row. The steps that see the zero padding and the ragged end are
/// scalar.
/// </summary>
internal static class ShortConvCpu
{
    public static void Forward<T>(T[] x, T[] w, T[] bias, T[] y, ShortConvDims d) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = d.L, taps = d.K;
        CpuParallel.For(d.B * d.C, (long)l * taps, (r0, r1) =>
        {
            var wv = new Vector<T>[taps];
            for (int row = r0; row < r1; row++)
            {
                int c = row % d.C;
                for (int k = 0; k < taps; k++) wv[k] = new Vector<T>(w[c * taps + k]);
                ForwardRow(x.AsSpan(row * l, l), w.AsSpan(c * taps, taps), wv, bias[c], y.AsSpan(row * l, l));
            }
        });
    }

    /// <summary>ys[t] = bias + Σ_k w[k]·xs[t − (K−1) + k].</summary>
    private static void ForwardRow<T>(ReadOnlySpan<T> xs, ReadOnlySpan<T> w, Vector<T>[] wv, T bias, Span<T> ys)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = xs.Length, taps = w.Length, t = 0;
        for (; t < Math.Min(taps - 1, l); t++) ys[t] = ForwardAt(xs, w, bias, t);
        ref T x0 = ref MemoryMarshal.GetReference(xs);
        ref T y0 = ref MemoryMarshal.GetReference(ys);
        var vb = new Vector<T>(bias);
        for (; t + Vector<T>.Count <= l; t += Vector<T>.Count)
        {
            var acc = vb;
            for (int k = 0; k < taps; k++) acc += wv[k] * Vector.LoadUnsafe(ref x0, (nuint)(t - (taps - 1) + k));
            acc.StoreUnsafe(ref y0, (nuint)t);
        }
        for (; t < l; t++) ys[t] = ForwardAt(xs, w, bias, t);
    }

    private static T ForwardAt<T>(ReadOnlySpan<T> xs, ReadOnlySpan<T> w, T bias, int t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T acc = bias;
        for (int k = 0; k < w.Length; k++)
        {
            int s = t - (w.Length - 1) + k;
            if (s >= 0) acc += w[k] * xs[s];
        }
        return acc;
    }

    /// <summary>Parallel over rows (b, c) in memory order: each row writes its dx and its own partial sums of dw
    /// and dbias; the partial sums are then added over the batch, per channel, in a fixed order.</summary>
    public static void Backward<T>(T[] x, T[] w, T[] dy, T[] dx, T[] dw, T[] dBias, ShortConvDims d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = d.L, taps = d.K;
        var partial = new T[d.B * d.C * (taps + 1)]; // (B, C, K+1): dw's sums per row, then dbias's
        CpuParallel.For(d.B * d.C, (long)l * (2 * taps + 1), (r0, r1) =>
        {
            var wv = new Vector<T>[taps];
            for (int row = r0; row < r1; row++)
            {
                int c = row % d.C;
                var wc = w.AsSpan(c * taps, taps);
                for (int k = 0; k < taps; k++) wv[k] = new Vector<T>(wc[k]);
                ReadOnlySpan<T> xs = x.AsSpan(row * l, l), g = dy.AsSpan(row * l, l);
                InputGradientRow(g, wc, wv, dx.AsSpan(row * l, l));
                ParameterGradientRow(xs, g, taps, partial.AsSpan(row * (taps + 1), taps + 1));
            }
        });
        for (int c = 0; c < d.C; c++)
        {
            for (int k = 0; k <= taps; k++)
            {
                T acc = T.Zero;
                for (int b = 0; b < d.B; b++) acc += partial[(b * d.C + c) * (taps + 1) + k];
                if (k < taps) dw[c * taps + k] = acc;
                else dBias[c] = acc;
            }
        }
    }

    /// <summary>dxs[s] = Σ_k w[k]·g[s + (K−1) − k] over s + (K−1) − k &lt; L.</summary>
    private static void InputGradientRow<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> w, Vector<T>[] wv, Span<T> dxs)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.Length, taps = w.Length, s = 0;
        ref T g0 = ref MemoryMarshal.GetReference(g);
        ref T dx0 = ref MemoryMarshal.GetReference(dxs);
        for (; s + Vector<T>.Count + taps - 1 <= l; s += Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            for (int k = 0; k < taps; k++) acc += wv[k] * Vector.LoadUnsafe(ref g0, (nuint)(s + taps - 1 - k));
            acc.StoreUnsafe(ref dx0, (nuint)s);
        }
        for (; s < l; s++)
        {
            T acc = T.Zero;
            for (int k = 0; k < taps; k++)
            {
                int t = s + taps - 1 - k;
                if (t < l) acc += w[k] * g[t];
            }
            dxs[s] = acc;
        }
    }

    /// <summary>sums[k] = Σ_t g[t]·xs[t − (K−1) + k] for k &lt; K, and sums[K] = Σ_t g[t]. One vectorised pass
    /// per sum (the row stays in L1), so that each accumulator lives in a register.</summary>
    private static void ParameterGradientRow<T>(ReadOnlySpan<T> xs, ReadOnlySpan<T> g, int taps, Span<T> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int l = g.Length, t = 0;
        sums.Clear();
        for (; t < Math.Min(taps - 1, l); t++) ParameterGradientAt(xs, g, taps, t, sums);
        int body = t + (l - t) / Vector<T>.Count * Vector<T>.Count;
        ref T x0 = ref MemoryMarshal.GetReference(xs);
        ref T g0 = ref MemoryMarshal.GetReference(g);
        for (int k = 0; k <= taps; k++)
        {
            var acc = Vector<T>.Zero;
            if (k == taps)
                for (int i = t; i < body; i += Vector<T>.Count) acc += Vector.LoadUnsafe(ref g0, (nuint)i);
            else
                for (int i = t; i < body; i += Vector<T>.Count)
                    acc += Vector.LoadUnsafe(ref g0, (nuint)i) * Vector.LoadUnsafe(ref x0, (nuint)(i - (taps - 1) + k));
            sums[k] += Vector.Sum(acc);
        }
        for (t = body; t < l; t++) ParameterGradientAt(xs, g, taps, t, sums);
    }

    private static void ParameterGradientAt<T>(ReadOnlySpan<T> xs, ReadOnlySpan<T> g, int taps, int t, Span<T> sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int k = 0; k < taps; k++)
        {
            int s = t - (taps - 1) + k;
            if (s >= 0) sums[k] += g[t] * xs[s];
        }
        sums[taps] += g[t];
    }
}

internal static class ShortConvKernels
{
    private const int MaxGroup = 256;

    public static void Backward(IlgpuDevice g, Tensor x, Tensor w, Tensor dy, Tensor dx, Tensor dw, Tensor dBias, ShortConvDims d)
    {
        g.Kernel<Index1D, ViewF, ViewF, ViewF, ShortConvDims>(InputGradient)(x.Size, w.View, dy.View, dx.View, d);
        // Groups of a power of two (for the tree reduction), as large as the accelerator allows up to MaxGroup.
        int group = 1;
        while (group * 2 <= Math.Min(MaxGroup, g.Accelerator.MaxNumThreadsPerGroup)) group *= 2;
        g.GroupedKernel<ViewF, ViewF, ViewF, ViewF, ShortConvDims>(ParameterGradients)(
            new KernelConfig(d.C * (d.K + 1), group), x.View, dy.View, dw.View, dBias.View, d);
    }

    /// <summary>One thread per y[b, c, t].</summary>
    [Kernel]
    internal static void Forward(Index1D i, ViewF x, ViewF w, ViewF bias, ViewF y, ShortConvDims d)
    {
        int t = i % d.L, row = i / d.L, c = row % d.C;
        float acc = bias[c];
        for (int k = 0; k < d.K; k++)
        {
            int s = t - (d.K - 1) + k;
            if (s >= 0) acc += w[c * d.K + k] * x[row * d.L + s];
        }
        y[i] = acc;
    }

    /// <summary>One thread per dx[b, c, s].</summary>
    [Kernel]
    internal static void InputGradient(Index1D i, ViewF w, ViewF dy, ViewF dx, ShortConvDims d)
    {
        int s = i % d.L, row = i / d.L, c = row % d.C;
        float acc = 0f;
        for (int k = 0; k < d.K; k++)
        {
            int t = s + (d.K - 1) - k;
            if (t < d.L) acc += w[c * d.K + k] * dy[row * d.L + t];
        }
        dx[i] = acc;
    }

    /// <summary>Group (c, q) sums over all (b, t): dw[c, q]'s terms dy·x for q &lt; K, dbias[c]'s terms dy for
    /// q = K. Each thread strides over B·L, then the group adds its partial sums in a shared-memory tree.</summary>
    [Kernel(Grouped = true)]
    internal static void ParameterGradients(ViewF x, ViewF dy, ViewF dw, ViewF dBias, ShortConvDims d)
    {
        var partial = SharedMemory.Allocate<float>(MaxGroup);
        int c = Grid.IdxX / (d.K + 1), q = Grid.IdxX % (d.K + 1);
        int delay = d.K - 1 - q;
        float acc = 0f;
        for (int e = Group.IdxX; e < d.B * d.L; e += Group.DimX)
        {
            int b = e / d.L, t = e % d.L;
            int at = (b * d.C + c) * d.L + t;
            if (q == d.K) acc += dy[at];
            else if (t >= delay) acc += dy[at] * x[at - delay];
        }
        partial[Group.IdxX] = acc;
        Group.Barrier();
        for (int half = Group.DimX / 2; half > 0; half /= 2)
        {
            if (Group.IdxX < half) partial[Group.IdxX] += partial[Group.IdxX + half];
            Group.Barrier();
        }
        if (Group.IdxX == 0)
        {
            if (q == d.K) dBias[c] = partial[0];
            else dw[c * d.K + q] = partial[0];
        }
    }
}
