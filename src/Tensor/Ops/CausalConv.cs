using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// The Hyena long convolution computed directly in time, O(B·C·L²): the reference the FFT path is checked against
// and the faster method for short L (reference §1.5):
//   y[b,c,t]  = Σ_{j ≤ t} k[c,j]·u[b,c,t−j] + D[c]·u[b,c,t]
//   du[b,c,t] = Σ_{t' ≥ t} k[c,t'−t]·dy[b,c,t'] + D[c]·dy[b,c,t]        (anti-causal correlation)
//   dk[c,j]   = Σ_b Σ_{t ≥ j} dy[b,c,t]·u[b,c,t−j]
//   dD[c]     = Σ_{b,t} dy[b,c,t]·u[b,c,t]
// u (B, C, L), k (C, L) shared by the batch, D (C).

public static partial class Ops
{
    /// <summary>y = k ∗ u + D ⊙ u, computed directly.</summary>
    public static Tensor CausalConvDirect(Tensor u, Tensor k, Tensor d)
    {
        var (b, c, l) = CheckCausalConv("CausalConvDirect", u, k, d);
        var y = Tensor.EmptyLike(u);
        if (u.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF, int, int>(CausalConvKernels.Forward)(u.Size, u.View, k.View, d.View, y.View, c, l);
        else if (u.DType == DType.Float32) CausalConvCpu.Forward(u.CpuArray<float>(), k.CpuArray<float>(), d.CpuArray<float>(), y.CpuArray<float>(), b, c, l);
        else CausalConvCpu.Forward(u.CpuArray<double>(), k.CpuArray<double>(), d.CpuArray<double>(), y.CpuArray<double>(), b, c, l);
        return y;
    }

    /// <summary>(du, dk, dD) of the direct causal convolution.</summary>
    public static (Tensor DU, Tensor DK, Tensor DD) CausalConvDirectBackward(Tensor u, Tensor k, Tensor d, Tensor dy)
    {
        var (b, c, l) = CheckCausalConv("CausalConvDirectBackward", u, k, d);
        Check.Binary("CausalConvDirectBackward", u, dy, "u", "dy");
        Check.Shape("CausalConvDirectBackward", dy, u.Shape, "dy");
        var du = Tensor.EmptyLike(u);
        var dk = Tensor.EmptyLike(k);
        var dd = Tensor.EmptyLike(d);
        if (u.Device is IlgpuDevice g)
        {
            g.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF, int, int>(CausalConvKernels.InputGrad)(u.Size, k.View, d.View, dy.View, du.View, c, l);
            g.Kernel<Index1D, ViewF, ViewF, ViewF, int, int, int>(CausalConvKernels.KernelGrad)(k.Size, u.View, dy.View, dk.View, b, c, l);
            g.Kernel<Index1D, ViewF, ViewF, ViewF, int, int>(CausalConvKernels.SkipGrad)(c, u.View, dy.View, dd.View, b, l);
        }
        else if (u.DType == DType.Float32)
            CausalConvCpu.Backward(u.CpuArray<float>(), k.CpuArray<float>(), d.CpuArray<float>(), dy.CpuArray<float>(), du.CpuArray<float>(), dk.CpuArray<float>(), dd.CpuArray<float>(), b, c, l);
        else
            CausalConvCpu.Backward(u.CpuArray<double>(), k.CpuArray<double>(), d.CpuArray<double>(), dy.CpuArray<double>(), du.CpuArray<double>(), dk.CpuArray<double>(), dd.CpuArray<double>(), b, c, l);
        return (du, dk, dd);
    }

    internal static (int B, int C, int L) CheckCausalConv(string op, Tensor u, Tensor k, Tensor d)
    {
        Check.Binary(op, u, k, "u", "k");
        Check.Binary(op, u, d, "u", "D");
        Check.Rank(op, u, 3, "u");
        int b = u.Shape[0], c = u.Shape[1], l = u.Shape[2];
        Check.Shape(op, k, Shape.Of(c, l), "k");
        Check.Shape(op, d, Shape.Of(c), "D");
        return (b, c, l);
    }
}

internal static class CausalConvCpu
{
    public static void Forward<T>(T[] u, T[] k, T[] d, T[] y, int b, int c, int l) where T : unmanaged, IFloatingPointIeee754<T> =>
        CpuParallel.For(b * c, (long)l * l / 2 + l, (r0, r1) =>
        {
            for (int r = r0; r < r1; r++)
            {
                int ch = r % c;
                var us = u.AsSpan(r * l, l);
                var ys = y.AsSpan(r * l, l);
                var ks = k.AsSpan(ch * l, l);
                TensorPrimitives.Multiply(us, d[ch], ys);
                // y[t..] += k[j]·u[..l−j]: one vectorised axpy per filter tap.
                for (int j = 0; j < l; j++) TensorPrimitives.MultiplyAdd(us[..(l - j)], ks[j], ys[j..], ys[j..]);
            }
        });

    public static void Backward<T>(T[] u, T[] k, T[] d, T[] dy, T[] du, T[] dk, T[] dd, int b, int c, int l)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(c, (long)b * l * l, (c0, c1) =>
        {
            for (int ch = c0; ch < c1; ch++)
            {
                var ks = k.AsSpan(ch * l, l);
                var dks = dk.AsSpan(ch * l, l);
                dks.Clear();
                T skip = T.Zero;
                for (int bi = 0; bi < b; bi++)
                {
                    int r = bi * c + ch;
                    var us = u.AsSpan(r * l, l);
                    var gs = dy.AsSpan(r * l, l);
                    var dus = du.AsSpan(r * l, l);
                    TensorPrimitives.Multiply(gs, d[ch], dus);
                    for (int j = 0; j < l; j++)
                    {
                        TensorPrimitives.MultiplyAdd(gs[j..], ks[j], dus[..(l - j)], dus[..(l - j)]); // du[t] += k[j]·dy[t+j]
                        dks[j] += TensorPrimitives.Dot<T>(gs[j..], us[..(l - j)]);                    // dk[j] += Σ_t dy[t+j]·u[t]
                    }
                    skip += TensorPrimitives.Dot<T>(gs, us);
                }
                dd[ch] = skip;
            }
        });
    }
}

internal static class CausalConvKernels
{
    [Kernel]
    internal static void Forward(Index1D i, ViewF u, ViewF k, ViewF d, ViewF y, int c, int l)
    {
        int t = i % l, row = i / l, ch = row % c, start = row * l;
        float acc = d[ch] * u[i];
        for (int j = 0; j <= t; j++) acc += k[ch * l + j] * u[start + t - j];
        y[i] = acc;
    }

    [Kernel]
    internal static void InputGrad(Index1D i, ViewF k, ViewF d, ViewF dy, ViewF du, int c, int l)
    {
        int t = i % l, row = i / l, ch = row % c, start = row * l;
        float acc = d[ch] * dy[i];
        for (int tp = t; tp < l; tp++) acc += k[ch * l + tp - t] * dy[start + tp];
        du[i] = acc;
    }

    [Kernel]
    internal static void KernelGrad(Index1D i, ViewF u, ViewF dy, ViewF dk, int b, int c, int l)
    {
        int j = i % l, ch = i / l;
        float acc = 0f;
        for (int bi = 0; bi < b; bi++)
        {
            int start = (bi * c + ch) * l;
            for (int t = j; t < l; t++) acc += dy[start + t] * u[start + t - j];
        }
        dk[i] = acc;
    }

    [Kernel]
    internal static void SkipGrad(Index1D ch, ViewF u, ViewF dy, ViewF dd, int b, int l)
    {
        int c = dd.IntLength;
        float acc = 0f;
        for (int bi = 0; bi < b; bi++)
        {
            int start = (bi * c + ch) * l;
            for (int t = 0; t < l; t++) acc += dy[start + t] * u[start + t];
        }
        dd[ch] = acc;
    }
}
