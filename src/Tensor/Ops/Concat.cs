using ILGPU;

namespace HyenaIL;

// Concat and Split along one axis (float32, float64 on cpu, int32); each is the other's backward.
// With each part viewed as (A, n_k, N) around the axis, and offsets o_k = n_0 + … + n_{k−1}:
//   Concat: y[a, o_k + t, j] = x_k[a, t, j],   y of shape (A, Σ n_k, N)
//   Split:  y_k[a, t, j] = x[a, o_k + t, j],   i.e. y_k = Slice(x, axis, o_k, n_k)
//   backward: of Concat, dx_k = Split(dy, axis, n_0, n_1, …)[k]; of Split, dx = Concat([dy_0, dy_1, …], axis).
// Reference §1.3 step 4 splits the short-convolution output into the N+1 projections this way.

public static partial class Ops
{
    /// <summary>Joins <paramref name="xs"/> along <paramref name="axis"/> (negative counts from the end). Every
    /// part has the same rank, dtype and device, and the same dimensions except along the axis.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> xs, int axis)
    {
        ArgumentNullException.ThrowIfNull(xs);
        if (xs.Count == 0) throw new ArgumentException("Concat: needs at least one tensor, got none", nameof(xs));
        var first = xs[0];
        Check.Live("Concat", first, "xs[0]");
        int ax = NormalizeAxis("Concat", first.Shape, axis);
        int total = 0;
        for (int k = 0; k < xs.Count; k++)
        {
            var x = xs[k];
            Check.SameDevice("Concat", first, x, "xs[0]", $"xs[{k}]");
            Check.SameDType("Concat", first, x, "xs[0]", $"xs[{k}]");
            if (x.Rank != first.Rank || x.Shape.With(ax, first.Shape[ax]) != first.Shape)
                throw new ShapeException(
                    $"Concat: xs[{k}] has shape {x.Shape} but xs[0] has {first.Shape}; all dimensions but axis {axis} must match");
            total += x.Shape[ax];
        }
        var y = Tensor.Empty(first.Shape.With(ax, total), first.Device, first.DType); // (A, Σ n_k, N)
        int outer = first.Shape.SizeBefore(ax), inner = first.Shape.SizeAfter(ax);
        if (first.Device is IlgpuDevice g)
        {
            for (int k = 0, offset = 0; k < xs.Count; offset += xs[k].Shape[ax], k++)
            {
                var d = new SliceDims(outer, total, inner, offset, xs[k].Shape[ax]);
                if (y.DType == DType.Int32) ConcatKernels.Place(g, xs[k].IntView, y.IntView, d);
                else ConcatKernels.Place(g, xs[k].View, y.View, d);
            }
        }
        else if (y.DType == DType.Float32) ConcatCpu.Run(Arrays<float>(xs), y.CpuArray<float>(), Runs(xs, ax, inner), outer);
        else if (y.DType == DType.Float64) ConcatCpu.Run(Arrays<double>(xs), y.CpuArray<double>(), Runs(xs, ax, inner), outer);
        else ConcatCpu.Run(Arrays<int>(xs), y.CpuArray<int>(), Runs(xs, ax, inner), outer);
        return y;
    }

    private static T[][] Arrays<T>(IReadOnlyList<Tensor> xs) where T : unmanaged => xs.Select(x => x.CpuArray<T>()).ToArray();

    /// <summary>Cuts <paramref name="x"/> along <paramref name="axis"/> into consecutive parts of the given
    /// sizes, which must be at least 1 each and sum to the axis's length. Its backward is Concat.</summary>
    public static Tensor[] Split(Tensor x, int axis, params int[] sizes)
    {
        Check.Live("Split", x, "x");
        ArgumentNullException.ThrowIfNull(sizes);
        int ax = NormalizeAxis("Split", x.Shape, axis);
        int n = x.Shape[ax];
        if (sizes.Length == 0 || sizes.Any(s => s < 1) || sizes.Sum(s => (long)s) != n)
            throw new ArgumentException(
                $"Split: sizes ({string.Join(", ", sizes)}) must be at least 1 each and sum to {n}, the length of axis {axis} of {x.Shape}",
                nameof(sizes));
        var parts = new Tensor[sizes.Length];
        for (int k = 0, offset = 0; k < sizes.Length; offset += sizes[k], k++)
            parts[k] = SliceCore(x, ax, offset, sizes[k]);
        return parts;
    }

    /// <summary>Cuts <paramref name="x"/> along <paramref name="axis"/> into <paramref name="parts"/> equal
    /// parts; the axis's length must be divisible by <paramref name="parts"/>.</summary>
    public static Tensor[] SplitEqual(Tensor x, int axis, int parts)
    {
        Check.Live("SplitEqual", x, "x");
        int ax = NormalizeAxis("SplitEqual", x.Shape, axis);
        int n = x.Shape[ax];
        if (parts < 1 || n % parts != 0)
            throw new ArgumentOutOfRangeException(nameof(parts), parts,
                $"SplitEqual: axis {axis} of {x.Shape} has length {n}, which cannot be cut into {parts} equal parts");
        return Split(x, ax, Enumerable.Repeat(n / parts, parts).ToArray());
    }

    /// <summary>Each part's run of contiguous elements per outer index: n_k·N.</summary>
    private static int[] Runs(IReadOnlyList<Tensor> xs, int ax, int inner) => xs.Select(x => x.Shape[ax] * inner).ToArray();
}

internal static class ConcatCpu
{
    /// <summary>Row a of y is the parts' rows a, one after the other.</summary>
    public static void Run<T>(T[][] xs, T[] y, int[] runs, int outer) where T : unmanaged
    {
        int row = runs.Sum();
        CpuParallel.For(outer, row, (a0, a1) =>
        {
            for (int a = a0; a < a1; a++)
            {
                int offset = a * row;
                for (int k = 0; k < xs.Length; k++)
                {
                    Array.Copy(xs[k], (long)a * runs[k], y, offset, runs[k]);
                    offset += runs[k];
                }
            }
        });
    }
}

internal static class ConcatKernels
{
    /// <summary>Copies one part into its window [Start, Start + Length) of y's axis (d describes y).</summary>
    public static void Place<T>(IlgpuDevice g, ArrayView<T> x, ArrayView<T> y, SliceDims d) where T : unmanaged =>
        g.Kernel<Index1D, ArrayView<T>, ArrayView<T>, SliceDims>(PlaceKernel)(d.Outer * d.Length * d.Inner, x, y, d);

    /// <summary>One thread per element of the part.</summary>
    [Kernel(typeof(float), typeof(int))]
    internal static void PlaceKernel<T>(Index1D i, ArrayView<T> x, ArrayView<T> y, SliceDims d) where T : unmanaged
    {
        int run = d.Length * d.Inner;
        int a = i / run, r = i % run;
        y[(a * d.AxisSize + d.Start) * d.Inner + r] = x[i];
    }
}
