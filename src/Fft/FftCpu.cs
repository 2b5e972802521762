using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace HyenaIL.Fft;

// The CPU complex FFT: the Stockham passes of FftPlan over interleaved (re, im) rows, generic over float and
// double (butterflies in FftCpuPasses.cs and FftCpuFirstPass.cs).
// Order of work. Small rows run the passes one after the other over the whole row, the last two fused into one
// radix-16 step where both are radix 4 (FftCpuFused.cs). Long rows (more than
// BlockedFrom complex points) are cache-blocked: after pass i0, with stride s0, the elements whose index is
// ≡ q (mod s0) form s0 independent sub-transforms (every later stride is a multiple of s0, and a butterfly
// only combines elements of one residue class), so the first i0 passes run over the whole row and the rest run
// block by block of Block residues (one cache line wide), each block through all its remaining passes while it
// is in cache (n/s0 lines per buffer).
// Threads: a batch of rows is split over rows; a single long row is split inside each breadth-first pass, over
// p or q, and over blocks in the blocked passes.

internal static partial class FftCpu
{
    /// <summary>Rows longer than this (complex points) are cache-blocked.</summary>
    private const int BlockedFrom = 1 << 13;

    /// <summary>At most this many complex points per residue class in the blocked passes (n/s0).</summary>
    private const int BlockRows = 1 << 13;

    /// <summary>Short rows are transformed in groups of about this many points (the q loops run across rows).</summary>
    private const int GroupPoints = 1 << 10;

    /// <summary>Residues per block: 8 complex numbers, 64 bytes in float32.</summary>
    private const int Block = 8;

    /// <summary>Transforms <paramref name="rows"/> rows of n complex points each (2n values) from
    /// <paramref name="src"/> to <paramref name="dst"/>, which may be the same array. With
    /// <paramref name="scale"/> ≠ 1 every output is multiplied by it.</summary>
    public static void Batch<T>(FftPlan plan, T[] src, T[] dst, int rows, bool inverse, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int len = 2 * plan.Size;
        long work = 5L * plan.Size * Math.Max(1, plan.Log2Size);
        bool splitInside = rows < Environment.ProcessorCount && work >= 4 * CpuParallel.MinWorkPerRange;
        if (splitInside)
        {
            var scratch = ArrayPool<T>.Shared.Rent(len);
            try
            {
                for (int r = 0; r < rows; r++)
                    RowParallel(plan, src, r * len, dst, r * len, scratch, inverse, scale);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
            return;
        }
        // Short rows go in groups of about GroupPoints points, each pass run across the whole group.
        int group = Math.Max(1, Math.Min(rows, GroupPoints / plan.Size)), groups = (rows + group - 1) / group;
        CpuParallel.For(groups, work * group, (g0, g1) =>
        {
            var scratch = ArrayPool<T>.Shared.Rent(len * group);
            try
            {
                for (int g = g0; g < g1; g++)
                {
                    int r0 = g * group, count = Math.Min(group, rows - r0);
                    var output = dst.AsSpan(r0 * len, count * len);
                    Rows(plan, src.AsSpan(r0 * len, count * len), output, scratch.AsSpan(0, count * len), inverse, count);
                    if (scale != T.One) TensorPrimitives.Multiply(output, scale, output);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(scratch);
            }
        });
    }

    /// <summary>One row, single-threaded: x → y (may alias), <paramref name="scratch"/> of 2n values.</summary>
    public static void Row<T>(FftPlan plan, ReadOnlySpan<T> x, Span<T> y, Span<T> scratch, bool inverse)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Rows(plan, x, y, scratch, inverse, 1);

    /// <summary><paramref name="rows"/> consecutive rows, single-threaded (several rows only for unblocked sizes).</summary>
    private static void Rows<T>(FftPlan plan, ReadOnlySpan<T> x, Span<T> y, Span<T> scratch, bool inverse, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var passes = plan.PassArray;
        var tw = plan.TwiddlesAs<T>();
        int split = Split(plan);
        bool fuse = Fuses<T>(plan, split);
        var (src, first, second) = Buffers(x, y, scratch, fuse ? passes.Length - 1 : passes.Length);
        for (int i = 0; i < (fuse ? passes.Length - 2 : split); i++)
        {
            var dst = i % 2 == 0 ? first : second;
            PassRows(passes[i], src, dst, tw, inverse, plan.Size, rows);
            src = dst;
        }
        if (fuse)
        {
            var dst = (passes.Length - 2) % 2 == 0 ? first : second;
            FusedLastPasses(passes[^2], src, dst, tw, inverse, plan.Size, rows);
            return;
        }
        if (split == passes.Length) return;
        int s0 = passes[split].Stride;
        for (int b = 0; b < s0; b += Block)
        {
            var blockSrc = src;
            for (int i = split; i < passes.Length; i++)
            {
                var dst = i % 2 == 0 ? first : second;
                PassBlock(passes[i], blockSrc, dst, tw, inverse, s0, b);
                blockSrc = dst;
            }
        }
    }

    /// <summary>One long row, every pass split over threads.</summary>
    internal static void RowParallel<T>(FftPlan plan, T[] x, int xOffset, T[] y, int yOffset, T[] scratch, bool inverse, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int len = 2 * plan.Size;
        var passes = plan.PassArray;
        var tw = plan.TwiddlesAs<T>();
        // Arrays and offsets rather than spans, so that the pass bodies can run as closures on other threads.
        var (src, first, second) = Buffers(x, xOffset, y, yOffset, scratch, len, passes.Length);
        int split = Split(plan), vec = Vector256<T>.Count / 2;
        for (int i = 0; i < split; i++)
        {
            var dst = i % 2 == 0 ? first : second;
            var pass = passes[i];
            var from = src;
            if (pass.Span >= pass.Stride || pass.Stride < vec)
                CpuParallel.For(pass.Span, 5L * pass.Radix * pass.Stride, (p0, p1) =>
                    Pass(pass, from.Span(len), dst.Span(len), tw, inverse, p0, p1, 0, pass.Stride));
            else
                CpuParallel.For(pass.Stride / vec, 5L * pass.Radix * pass.Span * vec, (b0, b1) =>
                    Pass(pass, from.Span(len), dst.Span(len), tw, inverse, 0, pass.Span, b0 * vec, b1 * vec));
            src = dst;
        }
        if (split < passes.Length)
        {
            int s0 = passes[split].Stride;
            var start = src;
            CpuParallel.For(s0 / Block, 5L * Block * (plan.Size / s0) * (passes.Length - split), (b0, b1) =>
            {
                for (int b = b0 * Block; b < b1 * Block; b += Block)
                {
                    var blockSrc = start;
                    for (int i = split; i < passes.Length; i++)
                    {
                        var dst = i % 2 == 0 ? first : second;
                        PassBlock(passes[i], blockSrc.Span(len), dst.Span(len), tw, inverse, s0, b);
                        blockSrc = dst;
                    }
                }
            });
        }
        if (scale != T.One)
        {
            var result = y;
            CpuParallel.For(len, 1, (i0, i1) =>
                TensorPrimitives.Multiply(result.AsSpan(yOffset + i0, i1 - i0), scale, result.AsSpan(yOffset + i0, i1 - i0)));
        }
    }

    /// <summary>The number of passes run over the whole row before the blocked ones (all of them for short rows):
    /// the first i0 after which n/s0 ≤ BlockRows.</summary>
    private static int Split(FftPlan plan)
    {
        var passes = plan.PassArray;
        if (plan.Size <= BlockedFrom) return passes.Length;
        int i = 1;
        while (i < passes.Length && (plan.Size / passes[i].Stride > BlockRows || passes[i].Stride < 2 * Block)) i++;
        return i;
    }

    /// <summary>Chooses the buffers the passes alternate between so that the last pass writes y. In place with an
    /// odd number of passes, x is first copied to the scratch buffer (the first pass must not overwrite its input).</summary>
    private static PingPong<T> Buffers<T>(ReadOnlySpan<T> x, Span<T> y, Span<T> scratch, int passes)
    {
        if (passes == 0)
        {
            x.CopyTo(y);
            return new PingPong<T>(x, y, scratch);
        }
        if (passes % 2 == 0) return new PingPong<T>(x, scratch, y);
        if (x.Overlaps(y))
        {
            x.CopyTo(scratch);
            return new PingPong<T>(scratch, y, scratch);
        }
        return new PingPong<T>(x, y, scratch);
    }

    private readonly ref struct PingPong<T>(ReadOnlySpan<T> src, Span<T> first, Span<T> second)
    {
        public ReadOnlySpan<T> Src { get; } = src;

        public Span<T> First { get; } = first;

        public Span<T> Second { get; } = second;

        public void Deconstruct(out ReadOnlySpan<T> src, out Span<T> first, out Span<T> second)
        {
            src = Src;
            first = First;
            second = Second;
        }
    }

    private static (Segment<T> Src, Segment<T> First, Segment<T> Second) Buffers<T>(T[] x, int xOffset, T[] y, int yOffset, T[] scratch, int len, int passes)
    {
        Segment<T> sx = new(x, xOffset), sy = new(y, yOffset), ss = new(scratch, 0);
        if (passes == 0)
        {
            Array.Copy(x, xOffset, y, yOffset, len);
            return (sx, sy, ss);
        }
        if (passes % 2 == 0) return (sx, ss, sy);
        if (ReferenceEquals(x, y))
        {
            Array.Copy(x, xOffset, scratch, 0, len);
            return (ss, sy, ss);
        }
        return (sx, sy, ss);
    }

    private readonly record struct Segment<T>(T[] Array, int Offset)
    {
        public Span<T> Span(int length) => Array.AsSpan(Offset, length);
    }
}
