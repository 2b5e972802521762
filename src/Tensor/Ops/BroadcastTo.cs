using System.Numerics;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Broadcast x to a larger shape (NumPy rules): y[i] = x[ix(i)], with stride 0 along the broadcast dimensions.
// It is the backward of every sum (Ops.Sum, Ops.Mean, Ops.SumTo); its own backward is Ops.SumTo.

public static partial class Ops
{
    /// <summary>A copy of <paramref name="x"/> broadcast to <paramref name="shape"/>.</summary>
    public static Tensor BroadcastTo(Tensor x, Shape shape)
    {
        Check.Float("BroadcastTo", x, "x");
        ArgumentNullException.ThrowIfNull(shape);
        var plan = BroadcastPlan.Create("BroadcastTo", x.Shape, shape);
        if (plan.Output != shape)
            throw new ShapeException($"BroadcastTo: {x.Shape} cannot be broadcast to {shape}");
        var y = Tensor.Empty(shape, x.Device, x.DType);
        if (x.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewF, BroadcastMap>(BroadcastToKernels.Expand)(y.Size, x.View, y.View, plan.ToMap());
        else if (x.DType == DType.Float32) BroadcastToCpu(x.CpuArray<float>(), y.CpuArray<float>(), plan);
        else BroadcastToCpu(x.CpuArray<double>(), y.CpuArray<double>(), plan);
        return y;
    }

    private static void BroadcastToCpu<T>(T[] x, T[] y, BroadcastPlan plan) where T : unmanaged, INumberBase<T>
    {
        int inner = plan.Inner;
        bool contiguous = plan.StridesA[^1] == 1;
        CpuParallel.For(plan.Rows, inner, (r0, r1) =>
        {
            for (int row = r0; row < r1; row++)
            {
                var (offset, _) = plan.RowOffsets(row);
                var dst = y.AsSpan(row * inner, inner);
                if (contiguous) x.AsSpan(offset, inner).CopyTo(dst);
                else dst.Fill(x[offset]);
            }
        });
    }
}

internal static class BroadcastToKernels
{
    [Kernel]
    internal static void Expand(Index1D i, ViewF x, ViewF y, BroadcastMap map) => y[i] = x[map.OffsetA(i)];
}
