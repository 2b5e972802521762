using System.Collections.Concurrent;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;

namespace HyenaIL;

/// <summary>
/// A device run through ILGPU: a CUDA or OpenCL GPU, or ILGPU's CPU simulator (<c>ilgpu-cpu</c>, for tests).
/// Each kernel is compiled once per device and kept as a delegate (<see cref="Kernel{TIndex,T1}"/>);
/// launches are asynchronous on the default stream, and copies to the host synchronise.
/// </summary>
public sealed partial class IlgpuDevice : Device
{
    private readonly Context context;
    private readonly ConcurrentDictionary<MethodInfo, Lazy<Delegate>> kernels = new();

    internal IlgpuDevice(Context context, Accelerator accelerator, string name, DeviceKind kind)
    {
        this.context = context;
        Accelerator = accelerator;
        Name = name;
        Kind = kind;
    }

    public override string Name { get; }

    public override DeviceKind Kind { get; }

    public override string Description =>
        $"{Accelerator.Name} ({Accelerator.AcceleratorType}, {Accelerator.MemorySize / (1 << 20)} MiB, " +
        $"max {Accelerator.MaxNumThreadsPerGroup} threads per group)";

    /// <summary>The ILGPU accelerator, for code that launches its own kernels.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Kernels compiled on this device so far.</summary>
    public int LoadedKernelCount => kernels.Count;

    /// <summary>The kernel methods compiled on this device so far (generic ones as instantiated).</summary>
    public IReadOnlyCollection<System.Reflection.MethodInfo> LoadedKernels => kernels.Keys.ToList();

    public override void Synchronize() => Accelerator.Synchronize();

    private protected override Storage CreateStorage(DType dtype, int length) => new IlgpuStorage(this, dtype, length);

    private TLoaded Load<TKernel, TLoaded>(TKernel kernel, Func<TKernel, TLoaded> load)
        where TKernel : Delegate
        where TLoaded : Delegate
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var method = kernel.Method;
        var lazy = kernels.GetOrAdd(method, m =>
        {
            CheckListed(m);   // before anything is cached: a refused kernel stays out of LoadedKernels
            return new Lazy<Delegate>(() => load(kernel));
        });
        return (TLoaded)lazy.Value;
    }

    /// <summary>Refuses a kernel that the PTX compilation test would not compile: one without [Kernel], or a generic
    /// instantiation whose type arguments its [Kernel] does not list.</summary>
    private static void CheckListed(MethodInfo method)
    {
        string name = $"{method.DeclaringType?.Name}.{method.Name}";
        var definition = method.IsGenericMethod ? method.GetGenericMethodDefinition() : method;
        var attribute = definition.GetCustomAttribute<KernelAttribute>()
            ?? throw new InvalidOperationException(
                $"{name} is loaded as a kernel but lacks [Kernel]; the PTX compilation test would not see it");
        if (!method.IsGenericMethod) return;
        var arguments = method.GetGenericArguments();
        if (arguments.Length != 1 || !attribute.Instantiations.Contains(arguments[0]))
            throw new InvalidOperationException(
                $"{name}<{string.Join(", ", arguments.Select(t => t.Name))}> is loaded as a kernel but its [Kernel] lists " +
                (attribute.Instantiations.Length == 0 ? "no instantiations" : $"only {string.Join(", ", attribute.Instantiations.Select(t => t.Name))}") +
                "; add the type argument to the attribute so that the PTX compilation test compiles this instantiation");
    }

    protected override void DisposeCore()
    {
        Accelerator.Dispose();
        context.Dispose();
    }
}
