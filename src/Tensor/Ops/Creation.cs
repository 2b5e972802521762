using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;
using ViewI = ILGPU.ArrayView<int>;

namespace HyenaIL;

// Tensors made from nothing: zeros, a constant, a range.
//   Zeros: y[i] = 0;  Full: y[i] = v;  Arange: y[i] = i (float or int).

public sealed partial class Tensor
{
    /// <summary>A tensor of zeros.</summary>
    public static Tensor Zeros(Shape shape, Device device, DType dtype = DType.Float32)
    {
        var t = Empty(shape, device, dtype);
        t.Clear();
        return t;
    }

    public static Tensor ZerosLike(Tensor like) => Zeros(like.Shape, like.Device, like.DType);

    /// <summary>A tensor with every element equal to <paramref name="value"/>.</summary>
    public static Tensor Full(Shape shape, double value, Device device, DType dtype = DType.Float32)
    {
        var t = Empty(shape, device, dtype);
        t.Fill(value);
        return t;
    }

    /// <summary>A one-element tensor of shape () holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, Device device, DType dtype = DType.Float32) => Full(Shape.Scalar, value, device, dtype);

    /// <summary>[0, 1, …, n−1] as a tensor of shape (n).</summary>
    public static Tensor Arange(int n, Device device, DType dtype = DType.Float32)
    {
        var t = Empty(new Shape(n), device, dtype);
        switch (t.Storage)
        {
            case IlgpuStorage g when dtype == DType.Int32:
                ((IlgpuDevice)device).Kernel<Index1D, ViewI>(CreationKernels.ArangeInt)(n, t.IntView);
                break;
            case IlgpuStorage:
                ((IlgpuDevice)device).Kernel<Index1D, ViewF>(CreationKernels.ArangeFloat)(n, t.View);
                break;
            case CpuStorage { Array: float[] f }: for (int i = 0; i < n; i++) f[i] = i; break;
            case CpuStorage { Array: double[] d }: for (int i = 0; i < n; i++) d[i] = i; break;
            case CpuStorage { Array: int[] k }: for (int i = 0; i < n; i++) k[i] = i; break;
        }
        return t;
    }

    /// <summary>Sets every element to zero, in place.</summary>
    public void Clear()
    {
        switch (Storage)
        {
            case IlgpuStorage g: g.Buffer.View.SubView(0, Size).MemSetToZero(); break;
            case CpuStorage c: System.Array.Clear(c.Array, 0, Size); break;
        }
    }

    /// <summary>Sets every element to <paramref name="value"/>, in place.</summary>
    public void Fill(double value)
    {
        switch (Storage)
        {
            case IlgpuStorage when DType == DType.Int32:
                ((IlgpuDevice)Device).Kernel<Index1D, ViewI, int>(CreationKernels.FillInt)(Size, IntView, checked((int)value));
                break;
            case IlgpuStorage:
                ((IlgpuDevice)Device).Kernel<Index1D, ViewF, float>(CreationKernels.FillFloat)(Size, View, (float)value);
                break;
            case CpuStorage { Array: float[] f }: f.AsSpan(0, Size).Fill((float)value); break;
            case CpuStorage { Array: double[] d }: d.AsSpan(0, Size).Fill(value); break;
            case CpuStorage { Array: int[] k }: k.AsSpan(0, Size).Fill(checked((int)value)); break;
        }
    }
}

internal static class CreationKernels
{
    [Kernel]
    internal static void FillFloat(Index1D i, ViewF y, float value) => y[i] = value;

    [Kernel]
    internal static void FillInt(Index1D i, ViewI y, int value) => y[i] = value;

    [Kernel]
    internal static void ArangeFloat(Index1D i, ViewF y) => y[i] = i;

    [Kernel]
    internal static void ArangeInt(Index1D i, ViewI y) => y[i] = i;
}
