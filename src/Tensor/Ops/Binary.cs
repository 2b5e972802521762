using System.Numerics;
using System.Numerics.Tensors;
using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Elementwise binary operations with NumPy broadcasting.
//   forward:  y[i] = f(a[ia(i)], b[ib(i)]), where ia and ib map an output index onto each operand (stride 0 along
//             the dimensions an operand is broadcast on); f is +, −, × or ÷.
//   backward: dA = SumTo(dY · ∂f/∂a, shape(a)), dB = SumTo(dY · ∂f/∂b, shape(b)):
//             ∂(a+b) = (1, 1); ∂(a−b) = (1, −1); ∂(a·b) = (b, a); ∂(a/b) = (1/b, −a/b²).
//             The autograd graph composes these from the same ops and Ops.SumTo.
// In-place accumulation: target += scale · source (same shape), for gradient sums and optimizers.

/// <summary>The elementwise binary operations.</summary>
public enum BinaryOp
{
    Add,
    Sub,
    Mul,
    Div,
}

public static partial class Ops
{
    /// <summary>a + b, broadcast.</summary>
    public static Tensor Add(Tensor a, Tensor b) => Binary(BinaryOp.Add, a, b);

    /// <summary>a − b, broadcast.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => Binary(BinaryOp.Sub, a, b);

    /// <summary>a · b, broadcast.</summary>
    public static Tensor Mul(Tensor a, Tensor b) => Binary(BinaryOp.Mul, a, b);

    /// <summary>a / b, broadcast.</summary>
    public static Tensor Div(Tensor a, Tensor b) => Binary(BinaryOp.Div, a, b);

    /// <summary>Applies <paramref name="op"/> elementwise with broadcasting; returns a new tensor of the
    /// broadcast shape.</summary>
    public static Tensor Binary(BinaryOp op, Tensor a, Tensor b)
    {
        string name = op.ToString();
        Check.Binary(name, a, b);
        var plan = BroadcastPlan.Create(name, a.Shape, b.Shape);
        var y = Tensor.Empty(plan.Output, a.Device, a.DType);
        if (a.Device is IlgpuDevice g) BinaryKernels.Run(g, op, a, b, y, plan);
        else if (a.DType == DType.Float32) BinaryCpu(op, a.CpuArray<float>(), b.CpuArray<float>(), y.CpuArray<float>(), plan);
        else BinaryCpu(op, a.CpuArray<double>(), b.CpuArray<double>(), y.CpuArray<double>(), plan);
        return y;
    }

    /// <summary>target += scale · source, in place. Shapes must be equal.</summary>
    public static void AddInPlace(Tensor target, Tensor source, float scale = 1f)
    {
        Check.Binary("AddInPlace", target, source, "target", "source");
        Check.Shape("AddInPlace", source, target.Shape, "source");
        if (target.Device is IlgpuDevice g)
        {
            g.Kernel<Index1D, ViewF, ViewF, float>(BinaryKernels.AddScaled)(target.Size, target.View, source.View, scale);
            return;
        }
        if (target.DType == DType.Float32) AddScaledCpu(target.CpuArray<float>(), source.CpuArray<float>(), scale, target.Size);
        else AddScaledCpu(target.CpuArray<double>(), source.CpuArray<double>(), scale, target.Size);
    }

    private static void AddScaledCpu<T>(T[] target, T[] source, float scale, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateTruncating(scale);
        CpuParallel.For(n, 1, (start, end) =>
        {
            var t = target.AsSpan(start, end - start);
            var src = source.AsSpan(start, end - start);
            if (scale == 1f) TensorPrimitives.Add(t, src, t);
            else TensorPrimitives.MultiplyAdd(src, s, t, t);
        });
    }

    private static void BinaryCpu<T>(BinaryOp op, T[] a, T[] b, T[] y, BroadcastPlan plan)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inner = plan.Inner;
        int sa = plan.StridesA[^1], sb = plan.StridesB[^1];
        CpuParallel.For(plan.Rows, inner, (r0, r1) =>
        {
            for (int row = r0; row < r1; row++)
            {
                var (oa, ob) = plan.RowOffsets(row);
                var dst = y.AsSpan(row * inner, inner);
                switch (sa, sb)
                {
                    case (1, 1): SpanSpan(op, a.AsSpan(oa, inner), b.AsSpan(ob, inner), dst); break;
                    case (1, 0): SpanScalar(op, a.AsSpan(oa, inner), b[ob], dst); break;
                    case (0, 1): ScalarSpan(op, a[oa], b.AsSpan(ob, inner), dst); break;
                    default: dst.Fill(Apply(op, a[oa], b[ob])); break;
                }
            }
        });
    }

    private static void SpanSpan<T>(BinaryOp op, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            default: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static void SpanScalar<T>(BinaryOp op, ReadOnlySpan<T> a, T b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            default: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static void ScalarSpan<T>(BinaryOp op, T a, ReadOnlySpan<T> b, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(b, a, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(b, a, y); break;
            default: TensorPrimitives.Divide(a, b, y); break;
        }
    }

    private static T Apply<T>(BinaryOp op, T a, T b) where T : IFloatingPointIeee754<T> => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        _ => a / b,
    };
}

/// <summary>A binary operator for kernels: a plain struct, so a generic kernel specialises per operator.</summary>
public interface IBinaryOperator
{
    float Apply(float a, float b);
}

public readonly struct AddOperator : IBinaryOperator
{
    public float Apply(float a, float b) => a + b;
}

public readonly struct SubOperator : IBinaryOperator
{
    public float Apply(float a, float b) => a - b;
}

public readonly struct MulOperator : IBinaryOperator
{
    public float Apply(float a, float b) => a * b;
}

public readonly struct DivOperator : IBinaryOperator
{
    public float Apply(float a, float b) => a / b;
}

internal static class BinaryKernels
{
    public static void Run(IlgpuDevice g, BinaryOp op, Tensor a, Tensor b, Tensor y, BroadcastPlan plan)
    {
        switch (op)
        {
            case BinaryOp.Add: Launch<AddOperator>(g, a, b, y, plan); break;
            case BinaryOp.Sub: Launch<SubOperator>(g, a, b, y, plan); break;
            case BinaryOp.Mul: Launch<MulOperator>(g, a, b, y, plan); break;
            default: Launch<DivOperator>(g, a, b, y, plan); break;
        }
    }

    private static void Launch<TOp>(IlgpuDevice g, Tensor a, Tensor b, Tensor y, BroadcastPlan plan)
        where TOp : struct, IBinaryOperator
    {
        if (a.Shape == b.Shape)
            g.Kernel<Index1D, ViewF, ViewF, ViewF>(Same<TOp>)(y.Size, a.View, b.View, y.View);
        else
            g.Kernel<Index1D, ViewF, ViewF, ViewF, BroadcastMap>(Broadcast<TOp>)(y.Size, a.View, b.View, y.View, plan.ToMap());
    }

    [Kernel(typeof(AddOperator), typeof(SubOperator), typeof(MulOperator), typeof(DivOperator))]
    private static void Same<TOp>(Index1D i, ViewF a, ViewF b, ViewF y) where TOp : struct, IBinaryOperator =>
        y[i] = default(TOp).Apply(a[i], b[i]);

    [Kernel(typeof(AddOperator), typeof(SubOperator), typeof(MulOperator), typeof(DivOperator))]
    private static void Broadcast<TOp>(Index1D i, ViewF a, ViewF b, ViewF y, BroadcastMap map)
        where TOp : struct, IBinaryOperator =>
        y[i] = default(TOp).Apply(a[map.OffsetA(i)], b[map.OffsetB(i)]);

    [Kernel]
    internal static void AddScaled(Index1D i, ViewF target, ViewF source, float scale) =>
        target[i] += scale * source[i];
}
