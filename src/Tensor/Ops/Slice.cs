using ILGPU;

namespace HyenaIL;

// Slice: a copy of x[…, start : start + length, …] along one axis (float32, float64 on cpu, int32).
// With x viewed as (A, n, N) around the axis (A = the dimensions before it, N = those after):
//   forward:  y[a, t, k] = x[a, start + t, k],                          y of shape (A, length, N)
//   backward: dx[a, s, k] = dy[a, s − start, k] if start ≤ s < start + length, else 0;   dx of x's shape
// For each a, the slice is one contiguous run of length·N elements on both sides.
// Split (Concat.cs) is a sequence of slices.

public static partial class Ops
{
    /// <summary>A copy of elements [<paramref name="start"/>, start + <paramref name="length"/>) of
    /// <paramref name="x"/> along <paramref name="axis"/> (negative axes count from the end).</summary>
    public static Tensor Slice(Tensor x, int axis, int start, int length)
    {
        Check.Live("Slice", x, "x");
        int ax = NormalizeAxis("Slice", x.Shape, axis);
        CheckSliceRange("Slice", x.Shape, ax, start, length);
        return SliceCore(x, ax, start, length);
    }

    /// <summary>The gradient of <see cref="Slice"/>: zeros of <paramref name="inputShape"/> with
    /// <paramref name="dy"/> placed at [start, start + length) along <paramref name="axis"/>, length being
    /// dy's size along the axis.</summary>
    public static Tensor SliceBackward(Tensor dy, Shape inputShape, int axis, int start)
    {
        Check.Live("SliceBackward", dy, "dy");
        ArgumentNullException.ThrowIfNull(inputShape);
        int ax = NormalizeAxis("SliceBackward", inputShape, axis);
        if (dy.Rank != inputShape.Rank || dy.Shape != inputShape.With(ax, dy.Shape[ax]))
            throw new ShapeException($"SliceBackward: dy {dy.Shape} is not a slice of input shape {inputShape} " +
                                     $"along axis {axis}: every other dimension must match");
        int length = dy.Shape[ax];
        CheckSliceRange("SliceBackward", inputShape, ax, start, length);
        var d = new SliceDims(inputShape.SizeBefore(ax), inputShape[ax], inputShape.SizeAfter(ax), start, length);
        var dx = Tensor.Empty(inputShape, dy.Device, dy.DType); // x's shape
        if (dy.Device is IlgpuDevice g)
        {
            if (dy.DType == DType.Int32) SliceKernels.Scatter(g, dy.IntView, dx.IntView, d);
            else SliceKernels.Scatter(g, dy.View, dx.View, d);
        }
        else if (dy.DType == DType.Float32) SliceCpu.Scatter(dy.CpuArray<float>(), dx.CpuArray<float>(), d);
        else if (dy.DType == DType.Float64) SliceCpu.Scatter(dy.CpuArray<double>(), dx.CpuArray<double>(), d);
        else SliceCpu.Scatter(dy.CpuArray<int>(), dx.CpuArray<int>(), d);
        return dx;
    }

    /// <summary>Slice with a normalised axis and a checked range (also used by Split).</summary>
    private static Tensor SliceCore(Tensor x, int ax, int start, int length)
    {
        var d = new SliceDims(x.Shape.SizeBefore(ax), x.Shape[ax], x.Shape.SizeAfter(ax), start, length);
        var y = Tensor.Empty(x.Shape.With(ax, length), x.Device, x.DType); // (A, length, N)
        if (x.Device is IlgpuDevice g)
        {
            if (x.DType == DType.Int32) SliceKernels.Gather(g, x.IntView, y.IntView, d);
            else SliceKernels.Gather(g, x.View, y.View, d);
        }
        else if (x.DType == DType.Float32) SliceCpu.Gather(x.CpuArray<float>(), y.CpuArray<float>(), d);
        else if (x.DType == DType.Float64) SliceCpu.Gather(x.CpuArray<double>(), y.CpuArray<double>(), d);
        else SliceCpu.Gather(x.CpuArray<int>(), y.CpuArray<int>(), d);
        return y;
    }

    private static void CheckSliceRange(string op, Shape shape, int ax, int start, int length)
    {
        int n = shape[ax];
        if (start < 0 || start >= n)
            throw new ArgumentOutOfRangeException(nameof(start), start,
                $"{op}: start {start} is outside axis {ax} of shape {shape}, which has {n} elements (valid: 0 to {n - 1})");
        if (length < 1 || length > n - start)
            throw new ArgumentOutOfRangeException(nameof(length), length,
                $"{op}: length {length} from start {start} does not fit axis {ax} of shape {shape} (valid: 1 to {n - start})");
    }
}

/// <summary>A tensor viewed as (A, n, N) around one axis, and the window [Start, Start + Length) of that axis.
/// A kernel argument: public, as ILGPU's generated launchers need.</summary>
public readonly struct SliceDims(int outer, int axisSize, int inner, int start, int length)
{
    public readonly int Outer = outer;
    public readonly int AxisSize = axisSize;
    public readonly int Inner = inner;
    public readonly int Start = start;
    public readonly int Length = length;
}

internal static class SliceCpu
{
    /// <summary>y[a, t, :] = x[a, start + t, :].</summary>
    public static void Gather<T>(T[] x, T[] y, SliceDims d) where T : unmanaged
    {
        int run = d.Length * d.Inner;
        CpuParallel.For(d.Outer, run, (a0, a1) =>
        {
            for (int a = a0; a < a1; a++)
                Array.Copy(x, ((long)a * d.AxisSize + d.Start) * d.Inner, y, (long)a * run, run);
        });
    }

    /// <summary>dx[a, start + t, :] = dy[a, t, :]; zeros elsewhere.</summary>
    public static void Scatter<T>(T[] dy, T[] dx, SliceDims d) where T : unmanaged
    {
        int run = d.Length * d.Inner, row = d.AxisSize * d.Inner, before = d.Start * d.Inner;
        CpuParallel.For(d.Outer, row, (a0, a1) =>
        {
            for (int a = a0; a < a1; a++)
            {
                var dst = dx.AsSpan(a * row, row);
                dst[..before].Clear();
                dy.AsSpan(a * run, run).CopyTo(dst.Slice(before, run));
                dst[(before + run)..].Clear();
            }
        });
    }
}

internal static class SliceKernels
{
    public static void Gather<T>(IlgpuDevice g, ArrayView<T> x, ArrayView<T> y, SliceDims d) where T : unmanaged =>
        g.Kernel<Index1D, ArrayView<T>, ArrayView<T>, SliceDims>(GatherKernel)(d.Outer * d.Length * d.Inner, x, y, d);

    public static void Scatter<T>(IlgpuDevice g, ArrayView<T> dy, ArrayView<T> dx, SliceDims d) where T : unmanaged =>
        g.Kernel<Index1D, ArrayView<T>, ArrayView<T>, SliceDims>(ScatterKernel)(d.Outer * d.AxisSize * d.Inner, dy, dx, d);

    /// <summary>One thread per output element.</summary>
    [Kernel(typeof(float), typeof(int))]
    internal static void GatherKernel<T>(Index1D i, ArrayView<T> x, ArrayView<T> y, SliceDims d) where T : unmanaged
    {
        int run = d.Length * d.Inner;
        int a = i / run, r = i % run;
        y[i] = x[(a * d.AxisSize + d.Start) * d.Inner + r];
    }

    /// <summary>One thread per element of dx: the matching dy element inside the window, zero outside.</summary>
    [Kernel(typeof(float), typeof(int))]
    internal static void ScatterKernel<T>(Index1D i, ArrayView<T> dy, ArrayView<T> dx, SliceDims d) where T : unmanaged
    {
        int row = d.AxisSize * d.Inner, run = d.Length * d.Inner;
        int a = i / row, r = i % row - d.Start * d.Inner;
        dx[i] = r >= 0 && r < run ? dy[a * run + r] : default;
    }
}
