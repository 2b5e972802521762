using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;
using ViewI = ILGPU.ArrayView<int>;

namespace HyenaIL;

// Reductions over one axis, viewing x as (outer, n, inner) with n the reduced axis:
//   Sum:  y[o, i] = Σ_j x[o, j, i]          Mean: Sum / n          Max: max_j x[o, j, i]
//   ArgMax: the lowest j attaining the max (int32)
//   SumTo(x, shape): the reverse of broadcasting, Σ over the axes where shape has 1 (or lacks the axis)
//   SquaredNorm: Σ x² over everything (for gradient clipping)
// Backward (composed in the autograd): d Sum = broadcast(dy); d Mean = broadcast(dy) / n; d SumTo = BroadcastTo.
// CPU float32 sums accumulate blocks in float32 and the blocks in float64. Kernels reduce in two passes: chunks of
// the axis into partials, then the partials, so that both long and short axes keep many threads busy.

internal enum ReduceKind
{
    Sum,
    Max,
    SumOfSquares,
}

public static partial class Ops
{
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => Reduce("Sum", ReduceKind.Sum, x, axis, keepDims, 1.0);

    public static Tensor Mean(Tensor x, int axis, bool keepDims = false)
    {
        Check.Float("Mean", x, "x");
        return Reduce("Mean", ReduceKind.Sum, x, axis, keepDims, 1.0 / x.Shape[axis]);
    }

    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => Reduce("Max", ReduceKind.Max, x, axis, keepDims, 1.0);

    /// <summary>Sum of all elements, shape ().</summary>
    public static Tensor Sum(Tensor x) => ReduceAll("Sum", ReduceKind.Sum, x, 1.0);

    /// <summary>Mean of all elements, shape ().</summary>
    public static Tensor Mean(Tensor x)
    {
        Check.Float("Mean", x, "x");
        return ReduceAll("Mean", ReduceKind.Sum, x, 1.0 / x.Size);
    }

    /// <summary>Largest element, shape ().</summary>
    public static Tensor Max(Tensor x) => ReduceAll("Max", ReduceKind.Max, x, 1.0);

    /// <summary>Σ x², shape ().</summary>
    public static Tensor SquaredNorm(Tensor x) => ReduceAll("SquaredNorm", ReduceKind.SumOfSquares, x, 1.0);

    /// <summary>Index of the largest element along <paramref name="axis"/> (the lowest on ties), int32, axis removed.</summary>
    public static Tensor ArgMax(Tensor x, int axis)
    {
        Check.Float("ArgMax", x, "x");
        int a = x.Shape.NormalizeAxis(axis);
        var (outer, n, inner) = (x.Shape.SizeBefore(a), x.Shape[a], x.Shape.SizeAfter(a));
        var y = Tensor.Empty(x.Shape.Without(a), x.Device, DType.Int32);
        if (x.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewI, int, int>(ReduceKernels.ArgMax)(outer * inner, x.View, y.IntView, n, inner);
        else if (x.DType == DType.Float32) ReduceCpu.ArgMax(x.CpuArray<float>(), y.CpuArray<int>(), outer, n, inner);
        else ReduceCpu.ArgMax(x.CpuArray<double>(), y.CpuArray<int>(), outer, n, inner);
        return y;
    }

    /// <summary>Sums <paramref name="x"/> down to <paramref name="shape"/>, the reverse of broadcasting:
    /// <paramref name="shape"/> must broadcast to x's shape.</summary>
    public static Tensor SumTo(Tensor x, Shape shape)
    {
        Check.Float("SumTo", x, "x");
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Rank > x.Rank || Shape.Broadcast("SumTo", x.Shape, shape) != x.Shape)
            throw new ShapeException($"SumTo: {shape} does not broadcast to {x.Shape}, so {x.Shape} cannot be summed down to it");
        if (shape == x.Shape) return x.Clone();
        // Group consecutive axes that are all reduced or all kept, reshape to the groups, reduce each reduced group.
        int pad = x.Rank - shape.Rank;
        var groups = new List<(int Size, bool Reduced)>();
        for (int i = 0; i < x.Rank; i++)
        {
            bool reduced = (i < pad || shape[i - pad] == 1) && x.Shape[i] > 1;
            if (x.Shape[i] == 1) continue;
            if (groups.Count > 0 && groups[^1].Reduced == reduced) groups[^1] = (groups[^1].Size * x.Shape[i], reduced);
            else groups.Add((x.Shape[i], reduced));
        }
        Tensor current = x.Reshape(groups.Count == 0 ? [1] : groups.Select(g => g.Size).ToArray());
        for (int i = groups.Count - 1; i >= 0; i--)
        {
            if (!groups[i].Reduced) continue;
            var next = Sum(current, i, keepDims: true);
            current.Dispose();
            current = next;
        }
        using (current) return current.Reshape(shape);
    }

    private static Tensor ReduceAll(string op, ReduceKind kind, Tensor x, double scale)
    {
        Check.Float(op, x, "x");
        using var flat = x.Reshape(x.Size);
        using var y = Reduce(op, kind, flat, 0, false, scale);
        return y.Reshape(Shape.Scalar);
    }

    private static Tensor Reduce(string op, ReduceKind kind, Tensor x, int axis, bool keepDims, double scale)
    {
        Check.Float(op, x, "x");
        int a = x.Shape.NormalizeAxis(axis);
        var (outer, n, inner) = (x.Shape.SizeBefore(a), x.Shape[a], x.Shape.SizeAfter(a));
        var y = Tensor.Empty(keepDims ? x.Shape.With(a, 1) : x.Shape.Without(a), x.Device, x.DType);
        if (x.Device is IlgpuDevice g) ReduceKernels.Run(g, kind, x, y, outer, n, inner, (float)scale);
        else if (x.DType == DType.Float32) ReduceCpu.Run(kind, x.CpuArray<float>(), y.CpuArray<float>(), outer, n, inner, scale);
        else ReduceCpu.Run(kind, x.CpuArray<double>(), y.CpuArray<double>(), outer, n, inner, scale);
        return y;
    }
}

internal static class ReduceCpu
{
    private const int Block = 1024;

    public static void Run<T>(ReduceKind kind, T[] x, T[] y, int outer, int n, int inner, double scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1)
        {
            CpuParallel.For(outer, n, (o0, o1) =>
            {
                for (int o = o0; o < o1; o++) y[o] = T.CreateTruncating(Row(kind, x.AsSpan(o * n, n)) * scale);
            });
            return;
        }
        // Column sums: split the reduced axis into parts, each accumulating rows of `inner`, then add the parts.
        int parts = outer >= Environment.ProcessorCount ? 1 : Math.Clamp((int)((long)n * inner / CpuParallel.MinWorkPerRange), 1, 4 * Environment.ProcessorCount);
        parts = Math.Min(parts, n);
        var partial = new T[outer * parts * inner];
        CpuParallel.For(outer * parts, (long)n * inner / parts, (w0, w1) =>
        {
            for (int w = w0; w < w1; w++)
            {
                int o = w / parts, p = w % parts;
                int j0 = (int)((long)n * p / parts), j1 = (int)((long)n * (p + 1) / parts);
                var acc = partial.AsSpan(w * inner, inner);
                x.AsSpan((o * n + j0) * inner, inner).CopyTo(acc);
                if (kind == ReduceKind.SumOfSquares) TensorPrimitives.Multiply(acc, acc, acc);
                for (int j = j0 + 1; j < j1; j++)
                {
                    var row = x.AsSpan((o * n + j) * inner, inner);
                    switch (kind)
                    {
                        case ReduceKind.Sum: TensorPrimitives.Add(acc, row, acc); break;
                        case ReduceKind.Max: TensorPrimitives.Max(acc, row, acc); break;
                        default: TensorPrimitives.MultiplyAdd(row, row, acc, acc); break;
                    }
                }
            }
        });
        T s = T.CreateTruncating(scale);
        for (int o = 0; o < outer; o++)
        {
            var dst = y.AsSpan(o * inner, inner);
            partial.AsSpan(o * parts * inner, inner).CopyTo(dst);
            for (int p = 1; p < parts; p++)
            {
                var src = partial.AsSpan((o * parts + p) * inner, inner);
                if (kind == ReduceKind.Max) TensorPrimitives.Max(dst, src, dst);
                else TensorPrimitives.Add(dst, src, dst);
            }
            if (scale != 1.0) TensorPrimitives.Multiply(dst, s, dst);
        }
    }

    /// <summary>One contiguous row reduced to a double: float32 blocks summed vectorised, the blocks in float64.</summary>
    private static double Row<T>(ReduceKind kind, ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (kind == ReduceKind.Max) return double.CreateTruncating(TensorPrimitives.Max(row));
        double total = 0;
        for (int i = 0; i < row.Length; i += Block)
        {
            var block = row.Slice(i, Math.Min(Block, row.Length - i));
            total += double.CreateTruncating(kind == ReduceKind.Sum ? TensorPrimitives.Sum(block) : TensorPrimitives.SumOfSquares(block));
        }
        return total;
    }

    public static void ArgMax<T>(T[] x, int[] y, int outer, int n, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(outer * inner, n, (w0, w1) =>
        {
            for (int w = w0; w < w1; w++)
            {
                int o = w / inner, i = w % inner, best = 0;
                T max = x[o * n * inner + i];
                for (int j = 1; j < n; j++)
                {
                    T v = x[(o * n + j) * inner + i];
                    if (v > max || (T.IsNaN(v) && !T.IsNaN(max)))
                    {
                        max = v;
                        best = j;
                    }
                }
                y[w] = best;
            }
        });
    }
}

/// <summary>Parameters of a two-pass reduction of (outer, n, inner) through (outer, chunks, inner) partials.</summary>
public struct ReduceDims
{
    public int N, Inner, Chunks, ChunkLength;
    public float Scale;
}

internal static class ReduceKernels
{
    /// <summary>Threads wanted in the first pass; each then sums at least <see cref="MinChunk"/> elements.</summary>
    private const int TargetThreads = 1 << 14;
    private const int MinChunk = 32;

    public static void Run(IlgpuDevice g, ReduceKind kind, Tensor x, Tensor y, int outer, int n, int inner, float scale)
    {
        int outputs = outer * inner;
        int chunks = Math.Clamp(TargetThreads / Math.Max(1, outputs), 1, Math.Max(1, n / MinChunk));
        var dims = new ReduceDims { N = n, Inner = inner, Chunks = chunks, ChunkLength = (n + chunks - 1) / chunks, Scale = scale };
        if (chunks == 1)
        {
            Pass(g, kind, x.View, y.View, outputs, dims);
            return;
        }
        using var partial = Tensor.Empty(new Shape(outer * chunks * inner), x.Device);
        Pass(g, kind, x.View, partial.View, outputs * chunks, dims with { Scale = 1f });
        // Second pass: the partials, (outer, chunks, inner) → (outer, inner); squares were taken in the first pass.
        var second = new ReduceDims { N = chunks, Inner = inner, Chunks = 1, ChunkLength = chunks, Scale = scale };
        Pass(g, kind == ReduceKind.Max ? ReduceKind.Max : ReduceKind.Sum, partial.View, y.View, outputs, second);
    }

    private static void Pass(IlgpuDevice g, ReduceKind kind, ViewF x, ViewF y, int threads, ReduceDims d)
    {
        switch (kind)
        {
            case ReduceKind.Sum: g.Kernel<Index1D, ViewF, ViewF, ReduceDims>(SumChunks)(threads, x, y, d); break;
            case ReduceKind.Max: g.Kernel<Index1D, ViewF, ViewF, ReduceDims>(MaxChunks)(threads, x, y, d); break;
            default: g.Kernel<Index1D, ViewF, ViewF, ReduceDims>(SquareChunks)(threads, x, y, d); break;
        }
    }

    /// <summary>Thread w = (o, c, i) reduces x[o, j, i] for j in chunk c into y[w].</summary>
    [Kernel]
    internal static void SumChunks(Index1D w, ViewF x, ViewF y, ReduceDims d)
    {
        int i = w % d.Inner, c = w / d.Inner % d.Chunks, o = w / (d.Inner * d.Chunks);
        int j0 = c * d.ChunkLength, j1 = Math.Min(d.N, j0 + d.ChunkLength);
        float acc = 0f;
        for (int j = j0; j < j1; j++) acc += x[(o * d.N + j) * d.Inner + i];
        y[w] = acc * d.Scale;
    }

    [Kernel]
    internal static void SquareChunks(Index1D w, ViewF x, ViewF y, ReduceDims d)
    {
        int i = w % d.Inner, c = w / d.Inner % d.Chunks, o = w / (d.Inner * d.Chunks);
        int j0 = c * d.ChunkLength, j1 = Math.Min(d.N, j0 + d.ChunkLength);
        float acc = 0f;
        for (int j = j0; j < j1; j++)
        {
            float v = x[(o * d.N + j) * d.Inner + i];
            acc += v * v;
        }
        y[w] = acc * d.Scale;
    }

    [Kernel]
    internal static void MaxChunks(Index1D w, ViewF x, ViewF y, ReduceDims d)
    {
        int i = w % d.Inner, c = w / d.Inner % d.Chunks, o = w / (d.Inner * d.Chunks);
        int j0 = c * d.ChunkLength, j1 = Math.Min(d.N, j0 + d.ChunkLength);
        float acc = float.NegativeInfinity;
        for (int j = j0; j < j1; j++) acc = MathF.Max(acc, x[(o * d.N + j) * d.Inner + i]);
        y[w] = acc;
    }

    [Kernel]
    internal static void ArgMax(Index1D w, ViewF x, ViewI y, int n, int inner)
    {
        int o = w / inner, i = w % inner, best = 0;
        float max = x[o * n * inner + i];
        for (int j = 1; j < n; j++)
        {
            float v = x[(o * n + j) * inner + i];
            if (v > max)
            {
                max = v;
                best = j;
            }
        }
        y[w] = best;
    }
}
