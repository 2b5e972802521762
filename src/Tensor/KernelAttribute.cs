namespace HyenaIL;

/// <summary>
/// Marks a static method as an ILGPU kernel. Every kernel carries it: <see cref="IlgpuDevice"/> refuses to load
/// a kernel without it, and the tests compile every marked method to PTX and fail on <c>.extern .func</c>.
/// A generic kernel (one type parameter, an operator struct) lists the instantiations it is used with, and
/// <see cref="IlgpuDevice"/> refuses to load any other, so that every instantiation that runs is one the tests compiled.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class KernelAttribute(params Type[] instantiations) : Attribute
{
    /// <summary>Type arguments of a generic kernel, one compiled instance each.</summary>
    public Type[] Instantiations { get; } = instantiations;

    /// <summary>True for explicitly grouped kernels (loaded with a <c>KernelConfig</c>, may use shared memory).</summary>
    public bool Grouped { get; init; }
}
