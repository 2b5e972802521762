using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;
using ViewI = ILGPU.ArrayView<int>;

namespace HyenaIL;

// Reductions over one axis or over the whole tensor, and the reverse of broadcasting. Around the reduced axis, x is
// viewed as (outer, n, inner): outer = the dimensions before it, n = its length, inner = the dimensions after it.
//   Sum:         y[o, i] = Σ_k x[o, k, i]            Mean: y = Sum / n        SquaredNorm: Σ over all of x²
//   Max:         y[o, i] = max_k x[o, k, i]          (NaN propagates)
//   ArgMax:      the k of the max, as int32; ties → the lowest k; NaN counts as the largest (NumPy's convention)
//   SumTo(x, s): Σ over the dimensions where s is 1 or absent (s aligned right): the adjoint of broadcasting s to
//                shape(x), so the gradient of a broadcast operand, e.g. a bias (D) added to (B, L, D).
// Backward (composed by the autograd graph from forward ops, src/Autograd/Ops/Reduce.cs): Sum: dx = broadcast(dy);
//   Mean: dx = broadcast(dy)/n. SumTo is itself the backward of broadcasting (src/Autograd/Ops/Binary.cs, Matmul.cs).
//   Max, ArgMax and SquaredNorm have no graph node, so nothing differentiates through them (ArgMax serves
//   predictions and metrics, SquaredNorm gradient clipping, both outside the graph).
// Accuracy: on the cpu, float32 sums add blocks of 1024 elements in float32 (across vector lanes) and the block sums
// in float64. On ILGPU devices a sum is a tree in shared memory per group, then a second pass over the partials.

public static partial class Ops
{
    /// <summary>Σ along <paramref name="axis"/> (negative counts from the end).</summary>
    public static Tensor Sum(Tensor x, int axis, bool keepDims = false) => Reduce("Sum", ReduceKind.Sum, x, axis, keepDims);

    /// <summary>The mean along <paramref name="axis"/>.</summary>
    public static Tensor Mean(Tensor x, int axis, bool keepDims = false) => Reduce("Mean", ReduceKind.Mean, x, axis, keepDims);

    /// <summary>The maximum along <paramref name="axis"/>; NaN propagates.</summary>
    public static Tensor Max(Tensor x, int axis, bool keepDims = false) => Reduce("Max", ReduceKind.Max, x, axis, keepDims);

    /// <summary>Σ of every element, shape ().</summary>
    public static Tensor Sum(Tensor x) => Reduce("Sum", ReduceKind.Sum, x, null);

    /// <summary>The mean of every element, shape ().</summary>
    public static Tensor Mean(Tensor x) => Reduce("Mean", ReduceKind.Mean, x, null);

    /// <summary>The largest element, shape (); NaN propagates.</summary>
    public static Tensor Max(Tensor x) => Reduce("Max", ReduceKind.Max, x, null);

    /// <summary>Σ x² over every element, shape () (for gradient clipping).</summary>
    public static Tensor SquaredNorm(Tensor x) => Reduce("SquaredNorm", ReduceKind.SumOfSquares, x, null);

    /// <summary>The index of the maximum along <paramref name="axis"/>, as int32, the axis removed. Ties give the
    /// lowest index; a NaN counts as larger than any number.</summary>
    public static Tensor ArgMax(Tensor x, int axis)
    {
        Check.Float("ArgMax", x, "x");
        int a = ResolveAxis("ArgMax", x.Shape, axis);
        int outer = x.Shape.SizeBefore(a), n = x.Shape[a], inner = x.Shape.SizeAfter(a);
        var y = Tensor.Empty(x.Shape.Without(a), x.Device, DType.Int32);   // x's shape without the axis
        if (x.Device is IlgpuDevice g) ReduceKernels.ArgMax(g, x.View, y.IntView, outer, n, inner);
        else if (x.DType == DType.Float32) ReduceCpu.ArgMax(x.CpuArray<float>(), y.CpuArray<int>(), outer, n, inner);
        else ReduceCpu.ArgMax(x.CpuArray<double>(), y.CpuArray<int>(), outer, n, inner);
        return y;
    }

    /// <summary>Sums <paramref name="x"/> down to <paramref name="target"/>, a shape that broadcasts to x's: over the
    /// dimensions where target is 1 or absent. The gradient of a broadcast operand.</summary>
    public static Tensor SumTo(Tensor x, Shape target)
    {
        Check.Float("SumTo", x, "x");
        ArgumentNullException.ThrowIfNull(target);
        var groups = SumToGroups(x.Shape, target);
        Tensor current = x;
        for (int last = groups.FindLastIndex(s => s.Summed); last >= 0; last = groups.FindLastIndex(s => s.Summed))
        {
            int outer = 1, inner = 1;
            for (int i = 0; i < last; i++) outer *= groups[i].Size;
            for (int i = last + 1; i < groups.Count; i++) inner *= groups[i].Size;
            var next = Tensor.Empty(new Shape(outer * inner), x.Device, x.DType);   // (outer·inner)
            ReduceInto(ReduceKind.Sum, current, next, outer, groups[last].Size, inner);
            if (!ReferenceEquals(current, x)) current.Dispose();
            current = next;
            groups.RemoveAt(last);
        }
        var owned = ReferenceEquals(current, x) ? x.Clone() : current;
        var result = owned.Reshape(target);   // shares owned's buffer
        owned.Dispose();
        return result;
    }

    /// <summary>x's dimensions (size-1 ones dropped) merged into runs that are all summed or all kept.</summary>
    private static List<(int Size, bool Summed)> SumToGroups(Shape x, Shape target)
    {
        if (target.Rank > x.Rank)
            throw new ShapeException($"SumTo: target {target} has more dimensions than x {x}, so it does not broadcast to it");
        var groups = new List<(int Size, bool Summed)>();
        for (int i = 0; i < x.Rank; i++)
        {
            int t = i < x.Rank - target.Rank ? 1 : target[i - (x.Rank - target.Rank)];
            if (t != x[i] && t != 1)
                throw new ShapeException($"SumTo: target {target} does not broadcast to x {x} (dimension {i} of x: {t} against {x[i]})");
            if (x[i] == 1) continue;
            bool summed = t == 1;
            if (groups.Count > 0 && groups[^1].Summed == summed) groups[^1] = (groups[^1].Size * x[i], summed);
            else groups.Add((x[i], summed));
        }
        return groups;
    }

    /// <summary>Reduces along <paramref name="axis"/>, or over every element (to shape ()) when it is null.</summary>
    private static Tensor Reduce(string op, ReduceKind kind, Tensor x, int? axis, bool keepDims = false)
    {
        Check.Float(op, x, "x");
        if (axis is null)
        {
            var all = Tensor.Empty(Shape.Scalar, x.Device, x.DType);   // ()
            ReduceInto(kind, x, all, 1, x.Size, 1);
            return all;
        }
        int a = ResolveAxis(op, x.Shape, axis.Value);
        var y = Tensor.Empty(keepDims ? x.Shape.With(a, 1) : x.Shape.Without(a), x.Device, x.DType);   // x's shape, axis a 1 or gone
        ReduceInto(kind, x, y, x.Shape.SizeBefore(a), x.Shape[a], x.Shape.SizeAfter(a));
        return y;
    }

    private static int ResolveAxis(string op, Shape shape, int axis)
    {
        int a = axis < 0 ? axis + shape.Rank : axis;
        if (a < 0 || a >= shape.Rank)
            throw new ArgumentOutOfRangeException(nameof(axis), $"{op}: axis {axis} is out of range for shape {shape} of rank {shape.Rank}");
        return a;
    }

    /// <summary>y (outer, inner) = the reduction of x (outer, n, inner) over n, on x's device.</summary>
    internal static void ReduceInto(ReduceKind kind, Tensor x, Tensor y, int outer, int n, int inner)
    {
        double scale = kind == ReduceKind.Mean ? 1.0 / n : 1.0;
        var k = kind == ReduceKind.Mean ? ReduceKind.Sum : kind;
        if (x.Device is IlgpuDevice g) ReduceKernels.Run(g, k, x.View, y.View, outer, n, inner, (float)scale);
        else if (x.DType == DType.Float32) ReduceCpu.Run(k, x.CpuArray<float>(), y.CpuArray<float>(), outer, n, inner, scale);
        else ReduceCpu.Run(k, x.CpuArray<double>(), y.CpuArray<double>(), outer, n, inner, scale);
    }
}

internal enum ReduceKind
{
    Sum,
    Mean,
    SumOfSquares,
    Max,
}

internal static class ReduceCpu
{
    /// <summary>Elements summed in T (vectorised) before the running total moves to float64.</summary>
    private const int Block = 1024;

    /// <summary>A row longer than this is split into chunks reduced in parallel.</summary>
    private const int RowChunk = 1 << 16;

    /// <summary>Rows accumulated in T per task when reducing a non-last axis.</summary>
    private const int RowBlock = 256;

    /// <summary>Σ x, blocks in T, the blocks' sums in float64.</summary>
    public static double Sum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        for (int i = 0; i < x.Length; i += Block)
            s += double.CreateTruncating(TensorPrimitives.Sum(x.Slice(i, Math.Min(Block, x.Length - i))));
        return s;
    }

    /// <summary>Σ a·b, blocks in T, the blocks' sums in float64.</summary>
    public static double Dot<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 0;
        for (int i = 0; i < a.Length; i += Block)
        {
            int len = Math.Min(Block, a.Length - i);
            s += double.CreateTruncating(TensorPrimitives.Dot(a.Slice(i, len), b.Slice(i, len)));
        }
        return s;
    }

    private static double Span<T>(ReduceKind kind, ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T> => kind switch
    {
        ReduceKind.Sum => Sum(x),
        ReduceKind.SumOfSquares => Dot(x, x),
        _ => double.CreateTruncating(TensorPrimitives.Max(x)),
    };

    public static void Run<T>(ReduceKind kind, T[] x, T[] y, int outer, int n, int inner, double scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (inner == 1) Rows(kind, x, y, outer, n, scale);
        else Columns(kind, x, y, outer, n, inner, scale);
    }

    /// <summary>Reduces each contiguous row of n; long rows in chunks of <see cref="RowChunk"/>, combined in order.</summary>
    private static void Rows<T>(ReduceKind kind, T[] x, T[] y, int outer, int n, double scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int chunks = (n + RowChunk - 1) / RowChunk;
        var partial = new double[outer * chunks];   // (outer, chunks)
        CpuParallel.For(outer * chunks, Math.Min(n, RowChunk), (s, e) =>
        {
            for (int t = s; t < e; t++)
            {
                int start = t % chunks * RowChunk;
                partial[t] = Span(kind, x.AsSpan(t / chunks * n + start, Math.Min(RowChunk, n - start)));
            }
        });
        for (int o = 0; o < outer; o++)
        {
            double acc = partial[o * chunks];
            for (int c = 1; c < chunks; c++)
                acc = kind == ReduceKind.Max ? Math.Max(acc, partial[o * chunks + c]) : acc + partial[o * chunks + c];
            y[o] = T.CreateTruncating(acc * scale);
        }
    }

    /// <summary>Reduces (outer, n, inner) over n: blocks of <see cref="RowBlock"/> rows are accumulated in T by
    /// whole rows (vectorised), in parallel; the blocks' partials are combined in float64, in order.</summary>
    private static void Columns<T>(ReduceKind kind, T[] x, T[] y, int outer, int n, int inner, double scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int blocks = (n + RowBlock - 1) / RowBlock;
        var partial = new double[(long)outer * blocks * inner];   // (outer, blocks, inner)
        CpuParallel.For(outer * blocks, (long)Math.Min(n, RowBlock) * inner, (s, e) =>
        {
            var rented = ArrayPool<T>.Shared.Rent(inner);
            var acc = rented.AsSpan(0, inner);
            for (int t = s; t < e; t++)
            {
                int o = t / blocks, r0 = t % blocks * RowBlock, r1 = Math.Min(n, r0 + RowBlock);
                ReadOnlySpan<T> first = x.AsSpan((o * n + r0) * inner, inner);
                if (kind == ReduceKind.SumOfSquares) TensorPrimitives.Multiply(first, first, acc);
                else first.CopyTo(acc);
                for (int r = r0 + 1; r < r1; r++)
                {
                    ReadOnlySpan<T> row = x.AsSpan((o * n + r) * inner, inner);
                    switch (kind)
                    {
                        case ReduceKind.Sum: TensorPrimitives.Add(acc, row, acc); break;
                        case ReduceKind.SumOfSquares: TensorPrimitives.MultiplyAdd(row, row, acc, acc); break;
                        default: TensorPrimitives.Max(acc, row, acc); break;
                    }
                }
                var dst = partial.AsSpan(t * inner, inner);
                for (int j = 0; j < inner; j++) dst[j] = double.CreateTruncating(acc[j]);
            }
            ArrayPool<T>.Shared.Return(rented);
        });
        CpuParallel.For(outer, (long)blocks * inner, (s, e) =>
        {
            for (int o = s; o < e; o++)
            {
                var acc = partial.AsSpan(o * blocks * inner, inner);
                for (int b = 1; b < blocks; b++)
                {
                    var p = partial.AsSpan((o * blocks + b) * inner, inner);
                    if (kind == ReduceKind.Max) TensorPrimitives.Max(acc, p, acc);
                    else TensorPrimitives.Add(acc, p, acc);
                }
                for (int j = 0; j < inner; j++) y[o * inner + j] = T.CreateTruncating(acc[j] * scale);
            }
        });
    }

    public static void ArgMax<T>(T[] x, int[] y, int outer, int n, int inner) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(outer * inner, n, (s, e) =>
        {
            for (int k = s; k < e; k++)
            {
                int o = k / inner, j = k % inner, at = 0;
                T best = x[o * n * inner + j];
                for (int r = 1; r < n && !T.IsNaN(best); r++)
                {
                    T v = x[(o * n + r) * inner + j];
                    if (v > best || T.IsNaN(v)) (best, at) = (v, r);
                }
                y[k] = at;
            }
        });
    }
}

internal static class ReduceKernels
{
    /// <summary>A row longer than a group's threads × this is split into chunks, then their partials reduced.</summary>
    private const int ElementsPerThread = 32;

    /// <summary>Column reductions split n until about this many threads run.</summary>
    private const int TargetThreads = 1 << 16;

    private const int MinRowsPerThread = 16;

    public static void Run(IlgpuDevice g, ReduceKind kind, ViewF x, ViewF y, int outer, int n, int inner, float scale)
    {
        switch (kind)
        {
            case ReduceKind.Sum: Reduce<SumOperator, SumOperator>(g, x, y, outer, n, inner, scale); break;
            case ReduceKind.SumOfSquares when inner == 1: Reduce<SquareSumOperator, SumOperator>(g, x, y, outer, n, inner, scale); break;
            case ReduceKind.SumOfSquares: throw new InvalidOperationException("sums of squares are taken over whole rows only (SquaredNorm)");
            default: Reduce<MaxOperator, MaxOperator>(g, x, y, outer, n, inner, scale); break;
        }
    }

    /// <summary>Reduces (outer, n, inner) over n with <typeparamref name="TFirst"/>; when n is split into chunks,
    /// the (outer, chunks, inner) partials are reduced again with <typeparamref name="TRest"/>.</summary>
    private static void Reduce<TFirst, TRest>(IlgpuDevice g, ViewF x, ViewF y, int outer, int n, int inner, float scale)
        where TFirst : struct, IReduceOperator where TRest : struct, IReduceOperator
    {
        int chunkLen = inner == 1 ? GroupReduction.GroupSize(g, n) * ElementsPerThread : ColumnChunk(outer, n, inner);
        int chunks = (n + chunkLen - 1) / chunkLen;
        if (chunks == 1)
        {
            Pass<TFirst>(g, x, y, outer, n, inner, n, 1, scale);
            return;
        }
        using var partial = Tensor.Empty(new Shape(outer * chunks * inner), g);   // (outer, chunks, inner)
        Pass<TFirst>(g, x, partial.View, outer, n, inner, chunkLen, chunks, 1f);
        Reduce<TRest, TRest>(g, partial.View, y, outer, chunks, inner, scale);
    }

    /// <summary>Rows per chunk when (outer, n, inner) is reduced over n by one thread per (outer, chunk, inner):
    /// enough chunks for about <see cref="TargetThreads"/> threads, at least <see cref="MinRowsPerThread"/> rows each.</summary>
    public static int ColumnChunk(int outer, int n, int inner)
    {
        long columns = (long)outer * inner;
        long chunks = Math.Clamp((TargetThreads + columns - 1) / columns, 1, (n + MinRowsPerThread - 1) / MinRowsPerThread);
        return (int)((n + chunks - 1) / chunks);
    }

    private static void Pass<TOp>(IlgpuDevice g, ViewF x, ViewF y, int outer, int n, int inner, int chunkLen, int chunks, float scale)
        where TOp : struct, IReduceOperator
    {
        if (inner == 1)
            g.GroupedKernel<ViewF, ViewF, int, int, int, float>(RowsKernel<TOp>)(
                new KernelConfig(outer * chunks, GroupReduction.GroupSize(g, chunkLen)), x, y, n, chunkLen, chunks, scale);
        else
            g.Kernel<Index1D, ViewF, ViewF, int, int, int, int, float>(ColumnsKernel<TOp>)(
                outer * chunks * inner, x, y, n, inner, chunkLen, chunks, scale);
    }

    public static void ArgMax(IlgpuDevice g, ViewF x, ViewI y, int outer, int n, int inner) =>
        g.GroupedKernel<ViewF, ViewI, int, int>(ArgMaxKernel)(new KernelConfig(outer * inner, GroupReduction.GroupSize(g, n)), x, y, n, inner);

    /// <summary>One group per (row, chunk): y[row·chunks + chunk] = scale · the chunk's reduction.</summary>
    [Kernel(typeof(SumOperator), typeof(SquareSumOperator), typeof(MaxOperator), Grouped = true)]
    private static void RowsKernel<TOp>(ViewF x, ViewF y, int n, int chunkLen, int chunks, float scale)
        where TOp : struct, IReduceOperator
    {
        var shared = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        int block = Grid.IdxX, row = block / chunks, start = block % chunks * chunkLen;
        int end = Math.Min(n, start + chunkLen);
        var op = default(TOp);
        float acc = op.Identity;
        for (int k = start + Group.IdxX; k < end; k += Group.DimX) acc = op.Combine(acc, op.Map(x[row * n + k]));
        float total = GroupReduction.GroupReduce<TOp>(shared, acc);
        if (Group.IdxX == 0) y[block] = scale * total;
    }

    /// <summary>One thread per (outer, chunk, inner) output: the chunk's rows, in order.</summary>
    [Kernel(typeof(SumOperator), typeof(MaxOperator))]
    private static void ColumnsKernel<TOp>(Index1D i, ViewF x, ViewF y, int n, int inner, int chunkLen, int chunks, float scale)
        where TOp : struct, IReduceOperator
    {
        int j = i % inner, oc = i / inner, o = oc / chunks, start = oc % chunks * chunkLen;
        int end = Math.Min(n, start + chunkLen);
        var op = default(TOp);
        float acc = op.Identity;
        for (int r = start; r < end; r++) acc = op.Combine(acc, op.Map(x[(o * n + r) * inner + j]));
        y[i] = scale * acc;
    }

    /// <summary>Whether (v, iv) beats the best so far (b, ib): NaN beats numbers; equal values → the lower index.</summary>
    private static bool Beats(float v, int iv, float b, int ib)
    {
        bool vNan = float.IsNaN(v), bNan = float.IsNaN(b);
        if (vNan || bNan) return vNan && (!bNan || iv < ib);
        return v > b || (v == b && iv < ib);
    }

    /// <summary>One group per output (o, j) of (outer, inner): the group strides along n, then a tree of
    /// (value, index) pairs in shared memory. Coalesced when inner = 1 (the usual last-axis case).</summary>
    [Kernel(Grouped = true)]
    private static void ArgMaxKernel(ViewF x, ViewI y, int n, int inner)
    {
        var values = SharedMemory.Allocate<float>(GroupReduction.MaxGroupSize);
        var indices = SharedMemory.Allocate<int>(GroupReduction.MaxGroupSize);
        int output = Grid.IdxX, start = output / inner * n * inner + output % inner, t = Group.IdxX, size = Group.DimX;
        float best = float.NegativeInfinity;
        int at = int.MaxValue;   // no element yet: any element beats it
        for (int k = t; k < n; k += size)
        {
            float v = x[start + k * inner];
            if (Beats(v, k, best, at)) { best = v; at = k; }
        }
        values[t] = best;
        indices[t] = at;
        Group.Barrier();
        for (int s = GroupReduction.TreeStart(size); s > 0; s /= 2)
        {
            if (t < s && t + s < size && Beats(values[t + s], indices[t + s], values[t], indices[t]))
            {
                values[t] = values[t + s];
                indices[t] = indices[t + s];
            }
            Group.Barrier();
        }
        if (t == 0) y[output] = indices[0];
    }
}
