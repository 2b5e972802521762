using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace HyenaIL;

/// <summary>
/// A dense, row-major, n-dimensional array on one <see cref="Device"/>: float32 (every device), float64 (the
/// <c>cpu</c> device, for references and gradient checks) or int32 (token ids). Tensors own device memory and
/// are <see cref="IDisposable"/>: dispose each one (or let an autograd graph do it) and its buffer goes back to
/// the device's pool. A <see cref="Reshape"/> shares its source's buffer; every other operation makes a new one.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private Storage? storage;

    internal Tensor(Storage storage, Shape shape)
    {
        if (storage.Length != shape.Size)
            throw new ShapeException($"tensor: a buffer of {storage.Length} elements cannot hold shape {shape}");
        this.storage = storage;
        Device = storage.Device;
        DType = storage.DType;
        Shape = shape;
    }

    public Device Device { get; }

    public Shape Shape { get; }

    public DType DType { get; }

    /// <summary>Number of elements.</summary>
    public int Size => Shape.Size;

    public int Rank => Shape.Rank;

    public bool IsDisposed => storage is null;

    internal Storage Storage => storage ?? throw new ObjectDisposedException(nameof(Tensor), $"tensor {Shape} on {Device.Name} was already disposed");

    /// <summary>A tensor with uninitialised contents (whatever the pooled buffer held).</summary>
    public static Tensor Empty(Shape shape, Device device, DType dtype = DType.Float32) =>
        new(device.Rent(dtype, shape.Size), shape);

    /// <summary>An uninitialised tensor like <paramref name="like"/>: same shape, device and dtype.</summary>
    public static Tensor EmptyLike(Tensor like) => Empty(like.Shape, like.Device, like.DType);

    /// <summary>The elements on the <c>cpu</c> device, as a span over the backing array (no copy).</summary>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        if (Storage is not CpuStorage cpu)
            throw new DeviceMismatchException($"AsSpan: the tensor is on {Device.Name}; only cpu tensors expose spans (use ToArray)");
        if (typeof(T) != DType.ClrType())
            throw new DTypeException($"AsSpan<{typeof(T).Name}>: the tensor is {DType.Name()}");
        return MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference((T[])cpu.Array), Size);
    }

    /// <summary>The backing array of a cpu tensor (its length equals <see cref="Size"/>).</summary>
    public T[] CpuArray<T>() where T : unmanaged
    {
        if (Storage is not CpuStorage cpu)
            throw new DeviceMismatchException($"CpuArray: the tensor is on {Device.Name}, not cpu");
        return cpu.Array as T[] ?? throw new DTypeException($"CpuArray<{typeof(T).Name}>: the tensor is {DType.Name()}");
    }

    /// <summary>The float32 elements of an ILGPU tensor, as a view for kernels.</summary>
    public ArrayView<float> View
    {
        get
        {
            if (Storage is not IlgpuStorage g)
                throw new DeviceMismatchException($"View: the tensor is on {Device.Name}; only ILGPU tensors have kernel views");
            if (DType != DType.Float32)
                throw new DTypeException($"View: the tensor is {DType.Name()}; use IntView for int32");
            return g.FloatView;
        }
    }

    /// <summary>The int32 elements of an ILGPU tensor, as a view for kernels.</summary>
    public ArrayView<int> IntView
    {
        get
        {
            if (Storage is not IlgpuStorage g)
                throw new DeviceMismatchException($"IntView: the tensor is on {Device.Name}; only ILGPU tensors have kernel views");
            if (DType != DType.Int32)
                throw new DTypeException($"IntView: the tensor is {DType.Name()}; use View for float32");
            return g.FloatView.Cast<int>();
        }
    }

    /// <summary>The same elements under another shape of the same size; shares the buffer. One dimension
    /// may be −1 and is then inferred.</summary>
    public Tensor Reshape(params int[] dims)
    {
        var s = Storage;
        var shape = InferShape(dims);
        s.Acquire();
        return new Tensor(s, shape);
    }

    public Tensor Reshape(Shape shape) => Reshape(shape.ToArray());

    private Shape InferShape(int[] dims)
    {
        int known = 1, infer = -1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] == -1)
            {
                if (infer >= 0) throw new ShapeException($"Reshape: at most one dimension may be -1, got ({string.Join(", ", dims)})");
                infer = i;
            }
            else known *= dims[i];
        }
        var d = (int[])dims.Clone();
        if (infer >= 0)
        {
            if (known <= 0 || Size % known != 0)
                throw new ShapeException($"Reshape: cannot infer a dimension to reshape {Shape} into ({string.Join(", ", dims)})");
            d[infer] = Size / known;
        }
        long size = 1;
        foreach (var x in d) size *= x;
        if (size != Size || d.Any(x => x < 1))
            throw new ShapeException($"Reshape: {Shape} has {Size} elements; shape ({string.Join(", ", dims)}) has {size}");
        return new Shape(d);
    }

    /// <summary>Copies the elements to the host as float32 (float64 and int32 tensors are converted).</summary>
    public float[] ToFloatArray()
    {
        var s = Storage;
        var result = new float[Size];
        switch (s)
        {
            case CpuStorage c when c.Array is float[] f: f.AsSpan(0, Size).CopyTo(result); break;
            case CpuStorage c when c.Array is double[] d: for (int i = 0; i < Size; i++) result[i] = (float)d[i]; break;
            case CpuStorage c when c.Array is int[] n: for (int i = 0; i < Size; i++) result[i] = n[i]; break;
            case IlgpuStorage g when DType == DType.Float32: g.FloatView.SubView(0, Size).CopyToCPU(result); break;
            case IlgpuStorage g:
                var ints = new int[Size];
                g.FloatView.Cast<int>().SubView(0, Size).CopyToCPU(ints);
                for (int i = 0; i < Size; i++) result[i] = ints[i];
                break;
        }
        return result;
    }

    /// <summary>Copies the elements to the host as float64.</summary>
    public double[] ToDoubleArray()
    {
        if (Storage is CpuStorage { Array: double[] d }) return d.AsSpan(0, Size).ToArray();
        if (DType == DType.Int32) return ToIntArray().Select(x => (double)x).ToArray();
        return ToFloatArray().Select(x => (double)x).ToArray();
    }

    /// <summary>Copies an int32 tensor's elements to the host.</summary>
    public int[] ToIntArray()
    {
        if (DType != DType.Int32) throw new DTypeException($"ToIntArray: the tensor is {DType.Name()}, not int32");
        var s = Storage;
        var result = new int[Size];
        if (s is CpuStorage c) ((int[])c.Array).AsSpan(0, Size).CopyTo(result);
        else ((IlgpuStorage)s).FloatView.Cast<int>().SubView(0, Size).CopyToCPU(result);
        return result;
    }

    /// <summary>The value of a one-element tensor.</summary>
    public double Item()
    {
        if (Size != 1) throw new ShapeException($"Item: the tensor must have one element, got shape {Shape}");
        return DType == DType.Int32 ? ToIntArray()[0] : ToDoubleArray()[0];
    }

    /// <summary>A copy on <paramref name="device"/> (a copy even when it is already there).</summary>
    public Tensor To(Device device)
    {
        Check.Live("To", this);
        ArgumentNullException.ThrowIfNull(device);
        var result = Empty(Shape, device, DType);
        result.CopyFrom(this);
        return result;
    }

    /// <summary>A copy on the same device.</summary>
    public Tensor Clone() => To(Device);

    /// <summary>Copies <paramref name="source"/>'s elements into this tensor: same size and dtype, any devices.</summary>
    public void CopyFrom(Tensor source)
    {
        Check.Live("CopyFrom", source, "source");
        Check.Live("CopyFrom", this, "destination");
        if (source.Size != Size)
            throw new ShapeException($"CopyFrom: source {source.Shape} and destination {Shape} differ in size");
        Check.SameDType("CopyFrom", source, this, "source", "destination");
        switch (source.Storage, Storage)
        {
            case (CpuStorage a, CpuStorage b):
                Array.Copy(a.Array, b.Array, Size);
                break;
            case (CpuStorage a, IlgpuStorage b):
                if (DType == DType.Int32) b.FloatView.Cast<int>().SubView(0, Size).CopyFromCPU(((int[])a.Array).AsSpan(0, Size));
                else b.FloatView.SubView(0, Size).CopyFromCPU(((float[])a.Array).AsSpan(0, Size));
                break;
            case (IlgpuStorage a, CpuStorage b):
                if (DType == DType.Int32) a.FloatView.Cast<int>().SubView(0, Size).CopyToCPU(((int[])b.Array).AsSpan(0, Size));
                else a.FloatView.SubView(0, Size).CopyToCPU(((float[])b.Array).AsSpan(0, Size));
                break;
            case (IlgpuStorage a, IlgpuStorage b) when ReferenceEquals(a.Device, b.Device):
                a.FloatView.SubView(0, Size).CopyTo(b.FloatView.SubView(0, Size));
                break;
            case (IlgpuStorage a, IlgpuStorage b):
                var host = new float[Size];
                a.FloatView.SubView(0, Size).CopyToCPU(host);
                b.FloatView.SubView(0, Size).CopyFromCPU(host);
                break;
        }
    }

    /// <summary>A copy converted to <paramref name="dtype"/> (float32 ↔ float64 on cpu; int32 → float).</summary>
    public Tensor ToDType(DType dtype)
    {
        Check.Live("ToDType", this);
        if (dtype == DType) return Clone();
        if (dtype == DType.Float64 && Device is not CpuDevice)
            throw new DTypeException($"ToDType: float64 tensors exist only on the cpu device, not on {Device.Name}");
        if (dtype == DType.Int32)
            throw new DTypeException($"ToDType: converting {DType.Name()} to int32 is not supported (round explicitly)");
        if (Device is CpuDevice)
        {
            var result = Empty(Shape, Device, dtype);
            var src = ToDoubleArray();
            if (dtype == DType.Float64) src.CopyTo(result.AsSpan<double>());
            else { var dst = result.AsSpan<float>(); for (int i = 0; i < src.Length; i++) dst[i] = (float)src[i]; }
            return result;
        }
        return FromArray(ToFloatArray(), Shape, Device);
    }

    public static Tensor FromArray(float[] data, Shape shape, Device device) => FromSpan<float>(data, shape, device, DType.Float32);

    public static Tensor FromArray(double[] data, Shape shape, Device device) => FromSpan<double>(data, shape, device, DType.Float64);

    public static Tensor FromArray(int[] data, Shape shape, Device device) => FromSpan<int>(data, shape, device, DType.Int32);

    private static Tensor FromSpan<T>(T[] data, Shape shape, Device device, DType dtype) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(device);
        if (data.Length != shape.Size)
            throw new ShapeException($"FromArray: shape {shape} needs {shape.Size} elements, got {data.Length}");
        var t = Empty(shape, device, dtype);
        switch (t.Storage)
        {
            case CpuStorage c: data.AsSpan().CopyTo(((T[])c.Array).AsSpan()); break;
            case IlgpuStorage g when typeof(T) == typeof(float): g.FloatView.SubView(0, data.Length).CopyFromCPU((float[])(object)data); break;
            case IlgpuStorage g: g.FloatView.Cast<int>().SubView(0, data.Length).CopyFromCPU((int[])(object)data); break;
        }
        return t;
    }

    public override string ToString() =>
        IsDisposed ? $"Tensor{Shape} {DType.Name()} on {Device.Name} (disposed)" : $"Tensor{Shape} {DType.Name()} on {Device.Name}";

    /// <summary>Releases this tensor's hold on its buffer. Safe to call twice.</summary>
    public void Dispose()
    {
        var s = Interlocked.Exchange(ref storage, null);
        s?.Release();
    }
}
