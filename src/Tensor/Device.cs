namespace HyenaIL;

/// <summary>Which kind of machine a <see cref="Device"/> runs on.</summary>
public enum DeviceKind
{
    /// <summary>Managed .NET code: multi-threaded, vectorised. The default without a GPU.</summary>
    Cpu,

    /// <summary>ILGPU's CPU simulator: every kernel, run slowly. For tests at small sizes.</summary>
    IlgpuCpu,

    /// <summary>An NVIDIA GPU through ILGPU's PTX backend.</summary>
    Cuda,

    /// <summary>An OpenCL 2.0+ device through ILGPU.</summary>
    OpenCL,
}

/// <summary>
/// Where tensors live and operations run. Owns a pool of buffers reused by size, and counts the buffers that
/// tensors hold (<see cref="LiveBuffers"/>), so a test can show that memory stays flat over many steps.
/// A device is used from one thread at a time (operations on the <c>cpu</c> device parallelise inside).
/// </summary>
public abstract class Device : IDisposable
{
    private readonly Dictionary<(DType, int), Stack<Storage>> pool = new();
    private readonly LinkedList<Storage> recency = new(); // pooled buffers, least recently returned first
    private readonly object gate = new();
    private int liveBuffers;
    private long liveBytes;
    private long peakBytes;
    private long pooledBytes;
    private bool disposed;

    /// <summary>The managed CPU device. It lives for the whole process; disposing it does nothing.</summary>
    public static Device Cpu => CpuDevice.Instance;

    /// <summary>A short name: <c>cpu</c>, <c>ilgpu-cpu</c>, <c>cuda:0</c>, <c>opencl:0</c>.</summary>
    public abstract string Name { get; }

    public abstract DeviceKind Kind { get; }

    /// <summary>A longer description for logs, e.g. the GPU's model and memory.</summary>
    public abstract string Description { get; }

    /// <summary>Buffers currently held by tensors (rented from the pool and not yet returned).</summary>
    public int LiveBuffers
    {
        get { lock (gate) return liveBuffers; }
    }

    /// <summary>Bytes currently held by tensors.</summary>
    public long LiveBytes
    {
        get { lock (gate) return liveBytes; }
    }

    /// <summary>The most bytes held by tensors at once since the last <see cref="ResetPeak"/>.</summary>
    public long PeakBytes
    {
        get { lock (gate) return peakBytes; }
    }

    /// <summary>Bytes kept in the pool for reuse. The pool frees buffers beyond <see cref="PoolLimitBytes"/>.</summary>
    public long PooledBytes
    {
        get { lock (gate) return pooledBytes; }
    }

    public long PoolLimitBytes { get; set; } = 2L << 30;

    public bool IsDisposed => disposed;

    public void ResetPeak()
    {
        lock (gate) peakBytes = liveBytes;
    }

    /// <summary>Waits until every operation queued on this device has finished.</summary>
    public abstract void Synchronize();

    /// <summary>Opens a device by name: <c>auto</c>, <c>cpu</c>, <c>ilgpu-cpu</c>, <c>cuda</c>, <c>cuda:N</c>,
    /// <c>opencl</c>, <c>opencl:N</c>. See <see cref="DeviceSelector"/> for <c>auto</c> and the environment.</summary>
    public static Device Open(string name) => DeviceSelector.Open(name);

    /// <summary>Frees every pooled buffer (live ones stay with their tensors).</summary>
    public void TrimPool()
    {
        List<Storage> drop = new();
        lock (gate)
        {
            foreach (var stack in pool.Values)
                drop.AddRange(stack);
            pool.Clear();
            recency.Clear();
            pooledBytes = 0;
        }
        foreach (var s in drop) s.Free();
    }

    internal Storage Rent(DType dtype, int length)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        Storage? s = null;
        lock (gate)
        {
            if (pool.TryGetValue((dtype, length), out var stack) && stack.Count > 0)
            {
                s = stack.Pop();
                recency.Remove(s.PoolNode!);
                pooledBytes -= s.Bytes;
            }
        }
        s ??= CreateStorage(dtype, length);
        s.ResetForRent();
        lock (gate)
        {
            liveBuffers++;
            liveBytes += s.Bytes;
            if (liveBytes > peakBytes) peakBytes = liveBytes;
        }
        return s;
    }

    /// <summary>Takes a buffer back into the pool. Past <see cref="PoolLimitBytes"/>, the buffers returned longest
    /// ago are freed first: the sizes a training step uses recur every step and stay; one-off sizes age out.</summary>
    internal void Return(Storage s)
    {
        var evicted = new List<Storage>();
        lock (gate)
        {
            liveBuffers--;
            liveBytes -= s.Bytes;
            if (disposed || s.Bytes > PoolLimitBytes)
            {
                evicted.Add(s);
            }
            else
            {
                if (!pool.TryGetValue((s.DType, s.Length), out var stack))
                    pool[(s.DType, s.Length)] = stack = new Stack<Storage>();
                stack.Push(s);
                s.PoolNode = recency.AddLast(s);
                pooledBytes += s.Bytes;
                while (pooledBytes > PoolLimitBytes)
                {
                    var oldest = recency.First!.Value;
                    recency.RemoveFirst();
                    var bucket = pool[(oldest.DType, oldest.Length)];
                    var kept = bucket.Where(x => !ReferenceEquals(x, oldest)).Reverse().ToArray();
                    bucket.Clear();
                    foreach (var x in kept) bucket.Push(x);
                    pooledBytes -= oldest.Bytes;
                    evicted.Add(oldest);
                }
            }
        }
        foreach (var e in evicted) e.Free();
    }

    private protected abstract Storage CreateStorage(DType dtype, int length);

    public override string ToString() => Name;

    public void Dispose()
    {
        if (this is CpuDevice || disposed) return;
        TrimPool();
        disposed = true;
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    protected abstract void DisposeCore();
}
