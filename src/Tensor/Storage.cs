using ILGPU;
using ILGPU.Runtime;

namespace HyenaIL;

/// <summary>
/// One device buffer, shared by the tensors that view it (a reshape shares its source's storage). Reference
/// counted: the last tensor to let go returns the buffer to its device's pool. Never relies on a finalizer.
/// </summary>
internal abstract class Storage
{
    private int refCount;

    protected Storage(Device device, DType dtype, int length)
    {
        Device = device;
        DType = dtype;
        Length = length;
    }

    public Device Device { get; }

    public DType DType { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    public long Bytes => (long)Length * DType.SizeInBytes();

    public bool IsReleased => Volatile.Read(ref refCount) <= 0;

    /// <summary>This buffer's place in its device's pool order while it is pooled.</summary>
    internal LinkedListNode<Storage>? PoolNode { get; set; }

    internal void Acquire() => Interlocked.Increment(ref refCount);

    internal void ResetForRent() => Volatile.Write(ref refCount, 1);

    internal void Release()
    {
        int left = Interlocked.Decrement(ref refCount);
        if (left == 0)
            Device.Return(this);
        else if (left < 0)
            throw new InvalidOperationException("storage released more often than acquired");
    }

    /// <summary>Frees the underlying memory (called by the pool when it drops a buffer).</summary>
    internal abstract void Free();
}

/// <summary>A managed array on the <c>cpu</c> device: float[], double[] or int[].</summary>
internal sealed class CpuStorage : Storage
{
    public CpuStorage(Device device, DType dtype, int length) : base(device, dtype, length)
    {
        Array = dtype switch
        {
            DType.Float32 => new float[length],
            DType.Float64 => new double[length],
            DType.Int32 => new int[length],
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };
    }

    public Array Array { get; private set; }

    internal override void Free() => Array = System.Array.Empty<float>();
}

/// <summary>An ILGPU buffer of 4-byte elements; int32 tensors view it through a cast.</summary>
internal sealed class IlgpuStorage : Storage
{
    public IlgpuStorage(IlgpuDevice device, DType dtype, int length) : base(device, dtype, length)
    {
        if (dtype == DType.Float64)
            throw new DTypeException($"float64 tensors exist only on the cpu device, not on {device.Name}");
        Buffer = device.Accelerator.Allocate1D<float>(length);
    }

    public MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; }

    public ArrayView<float> FloatView => Buffer.View.AsContiguous();

    internal override void Free() => Buffer.Dispose();
}
