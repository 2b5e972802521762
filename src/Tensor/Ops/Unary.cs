using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Elementwise unary functions y = f(x) and their backward dx = dy · f'(x).
//   neg: −x, f' = −1                    exp: eˣ, f' = y
//   log: ln x, f' = 1/x                 sin: sin x, f' = cos x          cos: cos x, f' = −sin x
//   tanh: tanh x, f' = 1 − y²           sqrt: √x, f' = 1/(2y)           square: x², f' = 2x
//   gelu (tanh approximation, reference §3.2 "MLP", as PyTorch's gelu(approximate='tanh')):
//     y = ½x(1 + tanh u), u = √(2/π)(x + 0.044715x³)
//     f' = ½(1 + tanh u) + ½x(1 − tanh²u)·√(2/π)(1 + 3·0.044715x²)
//     The CPU computes both through ½(1 + tanh u) = σ(2u) = 1/(1 + e^(−2u)): one pass, one exponential.

/// <summary>The elementwise unary functions.</summary>
public enum UnaryOp
{
    Neg,
    Exp,
    Log,
    Sin,
    Cos,
    Tanh,
    Sqrt,
    Square,
    Gelu,
}

public static partial class Ops
{
    public static Tensor Neg(Tensor x) => Unary(UnaryOp.Neg, x);

    public static Tensor Exp(Tensor x) => Unary(UnaryOp.Exp, x);

    public static Tensor Log(Tensor x) => Unary(UnaryOp.Log, x);

    public static Tensor Sin(Tensor x) => Unary(UnaryOp.Sin, x);

    public static Tensor Cos(Tensor x) => Unary(UnaryOp.Cos, x);

    public static Tensor Tanh(Tensor x) => Unary(UnaryOp.Tanh, x);

    public static Tensor Sqrt(Tensor x) => Unary(UnaryOp.Sqrt, x);

    public static Tensor Square(Tensor x) => Unary(UnaryOp.Square, x);

    /// <summary>GELU with the tanh approximation.</summary>
    public static Tensor Gelu(Tensor x) => Unary(UnaryOp.Gelu, x);

    /// <summary>y = f(x) elementwise, in a new tensor.</summary>
    public static Tensor Unary(UnaryOp op, Tensor x)
    {
        Check.Float(op.ToString(), x, "x");
        var y = Tensor.EmptyLike(x);
        if (x.Device is IlgpuDevice g) UnaryKernels.Forward(g, op, x, y);
        else if (x.DType == DType.Float32) UnaryCpu.Forward(op, x.CpuArray<float>(), y.CpuArray<float>(), x.Size);
        else UnaryCpu.Forward(op, x.CpuArray<double>(), y.CpuArray<double>(), x.Size);
        return y;
    }

    /// <summary>dx = dy · f'(x), given the forward's input <paramref name="x"/> and output <paramref name="y"/>.</summary>
    public static Tensor UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy)
    {
        string name = op + "Backward";
        Check.Binary(name, x, y, "x", "y");
        Check.Binary(name, x, dy, "x", "dy");
        Check.Shape(name, y, x.Shape, "y");
        Check.Shape(name, dy, x.Shape, "dy");
        var dx = Tensor.EmptyLike(x);
        if (x.Device is IlgpuDevice g) UnaryKernels.Backward(g, op, x, y, dy, dx);
        else if (x.DType == DType.Float32) UnaryCpu.Backward(op, x.CpuArray<float>(), y.CpuArray<float>(), dy.CpuArray<float>(), dx.CpuArray<float>(), x.Size);
        else UnaryCpu.Backward(op, x.CpuArray<double>(), y.CpuArray<double>(), dy.CpuArray<double>(), dx.CpuArray<double>(), x.Size);
        return dx;
    }

    /// <summary>y = scale · x + shift elementwise.</summary>
    public static Tensor Affine(Tensor x, float scale, float shift)
    {
        Check.Float("Affine", x, "x");
        var y = Tensor.EmptyLike(x);
        if (x.Device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, ViewF, float, float>(UnaryKernels.Affine)(x.Size, x.View, y.View, scale, shift);
        else if (x.DType == DType.Float32) UnaryCpu.Affine(x.CpuArray<float>(), y.CpuArray<float>(), scale, shift, x.Size);
        else UnaryCpu.Affine(x.CpuArray<double>(), y.CpuArray<double>(), scale, shift, x.Size);
        return y;
    }

    public static Tensor MulScalar(Tensor x, float scale) => Affine(x, scale, 0f);

    public static Tensor AddScalar(Tensor x, float shift) => Affine(x, 1f, shift);
}

internal static class UnaryCpu
{
    private const double GeluC = 0.7978845608028654; // √(2/π)
    private const double GeluA = 0.044715;

    public static void Forward<T>(UnaryOp op, T[] x, T[] y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(n, 8, (s, e) =>
        {
            ReadOnlySpan<T> xs = x.AsSpan(s, e - s);
            Span<T> ys = y.AsSpan(s, e - s);
            switch (op)
            {
                case UnaryOp.Neg: TensorPrimitives.Negate(xs, ys); break;
                case UnaryOp.Exp: TensorPrimitives.Exp(xs, ys); break;
                case UnaryOp.Log: TensorPrimitives.Log(xs, ys); break;
                case UnaryOp.Sin: TensorPrimitives.Sin(xs, ys); break;
                case UnaryOp.Cos: TensorPrimitives.Cos(xs, ys); break;
                case UnaryOp.Tanh: TensorPrimitives.Tanh(xs, ys); break;
                case UnaryOp.Sqrt: TensorPrimitives.Sqrt(xs, ys); break;
                case UnaryOp.Square: TensorPrimitives.Multiply(xs, xs, ys); break;
                default: Gelu(xs, ys); break;
            }
        });
    }

    private static void Gelu<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // ½(1 + tanh u) = σ(2u) = 1/(1 + e^(−2u)), so y = x / (1 + e^(−2u)): one pass, one exponential.
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            GeluFloat(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(y));
            return;
        }
        T c2 = T.CreateTruncating(-2 * GeluC), ca2 = T.CreateTruncating(-2 * GeluC * GeluA);
        for (int i = 0; i < x.Length; i++)
        {
            T xi = x[i];
            y[i] = xi / (T.One + T.Exp(xi * (c2 + ca2 * xi * xi)));
        }
    }

    private static void GeluFloat(ReadOnlySpan<float> x, Span<float> y)
    {
        var c2 = Vector256.Create((float)(-2 * GeluC));
        var ca2 = Vector256.Create((float)(-2 * GeluC * GeluA));
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var v = Vector256.Create(x.Slice(i, 8));
            var e = Vector256.Exp(v * (c2 + ca2 * v * v));
            (v / (Vector256<float>.One + e)).CopyTo(y.Slice(i, 8));
        }
        for (; i < x.Length; i++)
        {
            float xi = x[i];
            y[i] = xi / (1f + MathF.Exp(xi * ((float)(-2 * GeluC) + (float)(-2 * GeluC * GeluA) * xi * xi)));
        }
    }

    public static void Backward<T>(UnaryOp op, T[] x, T[] y, T[] dy, T[] dx, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        CpuParallel.For(n, 8, (s, e) =>
        {
            ReadOnlySpan<T> xs = x.AsSpan(s, e - s), ys = y.AsSpan(s, e - s), g = dy.AsSpan(s, e - s);
            Span<T> d = dx.AsSpan(s, e - s);
            T two = T.CreateTruncating(2), half = T.CreateTruncating(0.5);
            switch (op)
            {
                case UnaryOp.Neg: TensorPrimitives.Negate(g, d); break;
                case UnaryOp.Exp: TensorPrimitives.Multiply(g, ys, d); break;
                case UnaryOp.Log: TensorPrimitives.Divide(g, xs, d); break;
                case UnaryOp.Sin: TensorPrimitives.Cos(xs, d); TensorPrimitives.Multiply(d, g, d); break;
                case UnaryOp.Cos: TensorPrimitives.Sin(xs, d); TensorPrimitives.Multiply(d, g, d); TensorPrimitives.Negate(d, d); break;
                case UnaryOp.Tanh: for (int i = 0; i < d.Length; i++) d[i] = g[i] * (T.One - ys[i] * ys[i]); break;
                case UnaryOp.Sqrt: for (int i = 0; i < d.Length; i++) d[i] = g[i] * half / ys[i]; break;
                case UnaryOp.Square: for (int i = 0; i < d.Length; i++) d[i] = g[i] * two * xs[i]; break;
                default: GeluBackward(xs, g, d); break;
            }
        });
    }

    private static void GeluBackward<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        // With s = σ(2u): y = x·s and y' = s + x·s·(1 − s)·2u', u' = √(2/π)(1 + 3·0.044715x²). One pass.
        if (typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated)
        {
            GeluBackwardFloat(MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(dy), MemoryMarshal.Cast<T, float>(dx));
            return;
        }
        T c2 = T.CreateTruncating(-2 * GeluC), ca2 = T.CreateTruncating(-2 * GeluC * GeluA);
        T d2 = T.CreateTruncating(2 * GeluC), da6 = T.CreateTruncating(6 * GeluC * GeluA);
        for (int i = 0; i < x.Length; i++)
        {
            T xi = x[i];
            T s = T.One / (T.One + T.Exp(xi * (c2 + ca2 * xi * xi)));
            dx[i] = dy[i] * (s + xi * s * (T.One - s) * (d2 + da6 * xi * xi));
        }
    }

    private static void GeluBackwardFloat(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var c2 = Vector256.Create((float)(-2 * GeluC));
        var ca2 = Vector256.Create((float)(-2 * GeluC * GeluA));
        var d2 = Vector256.Create((float)(2 * GeluC));
        var da6 = Vector256.Create((float)(6 * GeluC * GeluA));
        var one = Vector256<float>.One;
        int i = 0;
        for (; i + 8 <= x.Length; i += 8)
        {
            var v = Vector256.Create(x.Slice(i, 8));
            var s = one / (one + Vector256.Exp(v * (c2 + ca2 * v * v)));
            var g = Vector256.Create(dy.Slice(i, 8));
            (g * (s + v * s * (one - s) * (d2 + da6 * v * v))).CopyTo(dx.Slice(i, 8));
        }
        for (; i < x.Length; i++)
        {
            float xi = x[i];
            float s = 1f / (1f + MathF.Exp(xi * ((float)(-2 * GeluC) + (float)(-2 * GeluC * GeluA) * xi * xi)));
            dx[i] = dy[i] * (s + xi * s * (1f - s) * ((float)(2 * GeluC) + (float)(6 * GeluC * GeluA) * xi * xi));
        }
    }

    public static void Affine<T>(T[] x, T[] y, float scale, float shift, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T a = T.CreateTruncating(scale), b = T.CreateTruncating(shift);
        CpuParallel.For(n, 1, (s, e) =>
        {
            var ys = y.AsSpan(s, e - s);
            TensorPrimitives.Multiply(x.AsSpan(s, e - s), a, ys);
            if (shift != 0f) TensorPrimitives.Add(ys, b, ys);
        });
    }
}

/// <summary>A unary function for kernels: its value and its derivative (given x and y = f(x)).</summary>
public interface IUnaryOperator
{
    float Forward(float x);

    float Derivative(float x, float y);
}

public readonly struct NegOperator : IUnaryOperator
{
    public float Forward(float x) => -x;

    public float Derivative(float x, float y) => -1f;
}

public readonly struct ExpOperator : IUnaryOperator
{
    public float Forward(float x) => MathF.Exp(x);

    public float Derivative(float x, float y) => y;
}

public readonly struct LogOperator : IUnaryOperator
{
    public float Forward(float x) => MathF.Log(x);

    public float Derivative(float x, float y) => 1f / x;
}

public readonly struct SinOperator : IUnaryOperator
{
    public float Forward(float x) => MathF.Sin(x);

    public float Derivative(float x, float y) => MathF.Cos(x);
}

public readonly struct CosOperator : IUnaryOperator
{
    public float Forward(float x) => MathF.Cos(x);

    public float Derivative(float x, float y) => -MathF.Sin(x);
}

public readonly struct TanhOperator : IUnaryOperator
{
    public float Forward(float x) => MathF.Tanh(x);

    public float Derivative(float x, float y) => 1f - y * y;
}

public readonly struct SqrtOperator : IUnaryOperator
{
    public float Forward(float x) => MathF.Sqrt(x);

    public float Derivative(float x, float y) => 0.5f / y;
}

public readonly struct SquareOperator : IUnaryOperator
{
    public float Forward(float x) => x * x;

    public float Derivative(float x, float y) => 2f * x;
}

public readonly struct GeluOperator : IUnaryOperator
{
    private const float C = 0.7978845608f;
    private const float A = 0.044715f;

    public float Forward(float x) => 0.5f * x * (1f + MathF.Tanh(C * (x + A * x * x * x)));

    public float Derivative(float x, float y)
    {
        float t = MathF.Tanh(C * (x + A * x * x * x));
        return 0.5f * (1f + t) + 0.5f * x * (1f - t * t) * C * (1f + 3f * A * x * x);
    }
}

internal static class UnaryKernels
{
    public static void Forward(IlgpuDevice g, UnaryOp op, Tensor x, Tensor y)
    {
        switch (op)
        {
            case UnaryOp.Neg: Map<NegOperator>(g, x, y); break;
            case UnaryOp.Exp: Map<ExpOperator>(g, x, y); break;
            case UnaryOp.Log: Map<LogOperator>(g, x, y); break;
            case UnaryOp.Sin: Map<SinOperator>(g, x, y); break;
            case UnaryOp.Cos: Map<CosOperator>(g, x, y); break;
            case UnaryOp.Tanh: Map<TanhOperator>(g, x, y); break;
            case UnaryOp.Sqrt: Map<SqrtOperator>(g, x, y); break;
            case UnaryOp.Square: Map<SquareOperator>(g, x, y); break;
            default: Map<GeluOperator>(g, x, y); break;
        }
    }

    public static void Backward(IlgpuDevice g, UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx)
    {
        switch (op)
        {
            case UnaryOp.Neg: Chain<NegOperator>(g, x, y, dy, dx); break;
            case UnaryOp.Exp: Chain<ExpOperator>(g, x, y, dy, dx); break;
            case UnaryOp.Log: Chain<LogOperator>(g, x, y, dy, dx); break;
            case UnaryOp.Sin: Chain<SinOperator>(g, x, y, dy, dx); break;
            case UnaryOp.Cos: Chain<CosOperator>(g, x, y, dy, dx); break;
            case UnaryOp.Tanh: Chain<TanhOperator>(g, x, y, dy, dx); break;
            case UnaryOp.Sqrt: Chain<SqrtOperator>(g, x, y, dy, dx); break;
            case UnaryOp.Square: Chain<SquareOperator>(g, x, y, dy, dx); break;
            default: Chain<GeluOperator>(g, x, y, dy, dx); break;
        }
    }

    private static void Map<TOp>(IlgpuDevice g, Tensor x, Tensor y) where TOp : struct, IUnaryOperator =>
        g.Kernel<Index1D, ViewF, ViewF>(MapKernel<TOp>)(x.Size, x.View, y.View);

    private static void Chain<TOp>(IlgpuDevice g, Tensor x, Tensor y, Tensor dy, Tensor dx) where TOp : struct, IUnaryOperator =>
        g.Kernel<Index1D, ViewF, ViewF, ViewF, ViewF>(ChainKernel<TOp>)(x.Size, x.View, y.View, dy.View, dx.View);

    [Kernel(typeof(NegOperator), typeof(ExpOperator), typeof(LogOperator), typeof(SinOperator), typeof(CosOperator),
        typeof(TanhOperator), typeof(SqrtOperator), typeof(SquareOperator), typeof(GeluOperator))]
    private static void MapKernel<TOp>(Index1D i, ViewF x, ViewF y) where TOp : struct, IUnaryOperator =>
        y[i] = default(TOp).Forward(x[i]);

    [Kernel(typeof(NegOperator), typeof(ExpOperator), typeof(LogOperator), typeof(SinOperator), typeof(CosOperator),
        typeof(TanhOperator), typeof(SqrtOperator), typeof(SquareOperator), typeof(GeluOperator))]
    private static void ChainKernel<TOp>(Index1D i, ViewF x, ViewF y, ViewF dy, ViewF dx) where TOp : struct, IUnaryOperator =>
        dx[i] = dy[i] * default(TOp).Derivative(x[i], y[i]);

    [Kernel]
    internal static void Affine(Index1D i, ViewF x, ViewF y, float scale, float shift) => y[i] = scale * x[i] + shift;
}
