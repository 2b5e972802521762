using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace HyenaIL.Fft;

// The FFT long convolution on the CPU (formulas in LongConv.cs). Each row is done start to finish in a small
// per-thread workspace (pad, rfft, multiply, irfft, crop), so the data stays in cache and memory stays at a few
// rows per thread. The forward is split over rows (b, c); the backward over channels, each channel summing its
// dk spectrum over the batch. With fewer rows (or channels) than threads and long rows, the loop runs on one
// thread and each transform is split over threads instead.

internal static class LongConvCpu
{
    /// <summary>K/P for each channel: k (C, L) → spectrum (C, h + 1, 2), P = 2h.</summary>
    public static void Filter<T>(FftPlan half, T[] k, T[] spectrum, int c, int l) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = 2 * half.Size;
        var padded = ArrayPool<T>.Shared.Rent(c * p);
        try
        {
            for (int ch = 0; ch < c; ch++) Pad(k.AsSpan(ch * l, l), padded.AsSpan(ch * p, p));
            RealFftCpu.Forward(half, padded, spectrum, c);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(padded);
        }
        TensorPrimitives.Multiply(spectrum.AsSpan(0, c * (p + 2)), T.One / T.CreateTruncating(p), spectrum.AsSpan(0, c * (p + 2)));
    }

    /// <summary>y = first L of irfft(rfft(u)·K) + D⊙u, row by row.</summary>
    public static void Forward<T>(FftPlan half, T[] u, T[] kf, T[] d, T[] y, int b, int c, int l)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rows = b * c;
        bool inside = rows < Environment.ProcessorCount && RealFftCpu.IsLong(half);
        Over<T>(rows, inside, half, (ws, r) =>
        {
            int ch = r % c, p = ws.P;
            Pad(u.AsSpan(r * l, l), ws.Time);
            ws.Rfft(ws.TimeArray, ws.SpecArray);
            Multiply(ws.Spec, kf.AsSpan(ch * (p + 2), p + 2), conjugate: false);
            ws.Irfft(ws.SpecArray, ws.TimeArray);
            TensorPrimitives.MultiplyAdd(u.AsSpan(r * l, l), d[ch], ws.Time[..l], y.AsSpan(r * l, l));
        });
    }

    /// <summary>du, dk, dD channel by channel: dk's spectrum Σ_b DY·conj U is summed before one inverse.</summary>
    public static void Backward<T>(FftPlan half, T[] u, T[] kf, T[] d, T[] dy, T[] du, T[] dk, T[] dd, int b, int c, int l)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool inside = c < Environment.ProcessorCount && RealFftCpu.IsLong(half);
        Over<T>(c, inside, half, (ws, ch) =>
        {
            int p = ws.P;
            var kSpec = kf.AsSpan(ch * (p + 2), p + 2);
            ws.Acc.Clear();
            T skip = T.Zero;
            for (int bi = 0; bi < b; bi++)
            {
                int at = (bi * c + ch) * l;
                var us = u.AsSpan(at, l);
                var gs = dy.AsSpan(at, l);
                Pad(us, ws.Time);
                ws.Rfft(ws.TimeArray, ws.Spec2Array);                   // U
                Pad(gs, ws.Time);
                ws.Rfft(ws.TimeArray, ws.SpecArray);                    // DY
                MultiplyAddConjugate(ws.Acc, ws.Spec, ws.Spec2);        // Σ_b DY·conj U
                Multiply(ws.Spec, kSpec, conjugate: true);              // DY·conj(K/P)
                ws.Irfft(ws.SpecArray, ws.TimeArray);
                TensorPrimitives.MultiplyAdd(gs, d[ch], ws.Time[..l], du.AsSpan(at, l));
                skip += TensorPrimitives.Dot<T>(gs, us);
            }
            ws.Irfft(ws.AccArray, ws.TimeArray);
            TensorPrimitives.Multiply(ws.Time[..l], T.One / T.CreateTruncating(p), dk.AsSpan(ch * l, l));
            dd[ch] = skip;
        });
    }

    /// <summary>Runs <paramref name="body"/> for items [0, n), each worker with its own workspace: over threads, or
    /// (inside) on this thread with the transforms split over threads.</summary>
    private static void Over<T>(int n, bool inside, FftPlan half, Action<Workspace<T>, int> body)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inside)
        {
            using var ws = new Workspace<T>(half, inside: true);
            for (int i = 0; i < n; i++) body(ws, i);
            return;
        }
        long work = 20L * half.Size * (half.Log2Size + 2);
        CpuParallel.For(n, work, (i0, i1) =>
        {
            using var ws = new Workspace<T>(half, inside: false);
            for (int i = i0; i < i1; i++) body(ws, i);
        });
    }

    /// <summary>dst[..src.Length] = src, the rest zero.</summary>
    private static void Pad<T>(ReadOnlySpan<T> src, Span<T> dst) where T : unmanaged
    {
        src.CopyTo(dst);
        dst[src.Length..].Clear();
    }

    /// <summary>a ← a·b, or a·conj(b), for interleaved complex spans of the same length.</summary>
    internal static void Multiply<T>(Span<T> a, ReadOnlySpan<T> b, bool conjugate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sign = FftCpu.Rotation<T>(conjugate); // (−1, 1, …) for a·b, (1, −1, …) for a·conj(b)
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + Vector256<T>.Count <= a.Length; i += Vector256<T>.Count)
            {
                var va = Vector256.Create<T>(a[i..]);
                var vb = Vector256.Create<T>(b[i..]);
                var prod = va * FftCpu.DuplicateReal(vb) + FftCpu.Swap(va) * (FftCpu.DuplicateImaginary(vb) * sign);
                prod.CopyTo(a[i..]);
            }
        T s = conjugate ? -T.One : T.One;
        for (; i < a.Length; i += 2)
        {
            T ar = a[i], ai = a[i + 1], br = b[i], bi = s * b[i + 1];
            a[i] = ar * br - ai * bi;
            a[i + 1] = ai * br + ar * bi;
        }
    }

    /// <summary>acc ← acc + a·conj(b).</summary>
    internal static void MultiplyAddConjugate<T>(Span<T> acc, ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var sign = FftCpu.Rotation<T>(true);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + Vector256<T>.Count <= acc.Length; i += Vector256<T>.Count)
            {
                var va = Vector256.Create<T>(a[i..]);
                var vb = Vector256.Create<T>(b[i..]);
                var prod = va * FftCpu.DuplicateReal(vb) + FftCpu.Swap(va) * (FftCpu.DuplicateImaginary(vb) * sign);
                (Vector256.Create<T>(acc[i..]) + prod).CopyTo(acc[i..]);
            }
        for (; i < acc.Length; i += 2)
        {
            T ar = a[i], ai = a[i + 1], br = b[i], bi = -b[i + 1];
            acc[i] += ar * br - ai * bi;
            acc[i + 1] += ai * br + ar * bi;
        }
    }

    /// <summary>A worker's buffers for one row at a time: a time row (P), two spectra and an accumulator
    /// (P + 2 each), and the transform's scratch; rented from the shared pool and returned on dispose.</summary>
    private sealed class Workspace<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly FftPlan half;
        private readonly bool inside;
        private readonly T[] rtw;
        private readonly T[] scratch;

        public Workspace(FftPlan half, bool inside)
        {
            this.half = half;
            this.inside = inside;
            rtw = half.RealTwiddlesAs<T>();
            P = 2 * half.Size;
            TimeArray = ArrayPool<T>.Shared.Rent(P);
            SpecArray = ArrayPool<T>.Shared.Rent(P + 2);
            Spec2Array = ArrayPool<T>.Shared.Rent(P + 2);
            AccArray = ArrayPool<T>.Shared.Rent(P + 2);
            scratch = ArrayPool<T>.Shared.Rent(P);
        }

        public int P { get; }

        public T[] TimeArray { get; }

        public T[] SpecArray { get; }

        public T[] Spec2Array { get; }

        public T[] AccArray { get; }

        public Span<T> Time => TimeArray.AsSpan(0, P);

        public Span<T> Spec => SpecArray.AsSpan(0, P + 2);

        public Span<T> Spec2 => Spec2Array.AsSpan(0, P + 2);

        public Span<T> Acc => AccArray.AsSpan(0, P + 2);

        /// <summary>time (P reals) → spectrum (P/2 + 1 complex).</summary>
        public void Rfft(T[] time, T[] spectrum)
        {
            if (inside) RealFftCpu.ForwardLong(half, time, 0, spectrum, 0);
            else RealFftCpu.ForwardRow(half, time.AsSpan(0, P), spectrum.AsSpan(0, P + 2), scratch.AsSpan(0, P), rtw);
        }

        /// <summary>spectrum → time, unnormalised.</summary>
        public void Irfft(T[] spectrum, T[] time)
        {
            if (inside) RealFftCpu.InverseLong(half, spectrum, 0, time, 0, T.One);
            else RealFftCpu.InverseRow(half, spectrum.AsSpan(0, P + 2), time.AsSpan(0, P), scratch.AsSpan(0, P), rtw);
        }

        public void Dispose()
        {
            ArrayPool<T>.Shared.Return(TimeArray);
            ArrayPool<T>.Shared.Return(SpecArray);
            ArrayPool<T>.Shared.Return(Spec2Array);
            ArrayPool<T>.Shared.Return(AccArray);
            ArrayPool<T>.Shared.Return(scratch);
        }
    }
}
