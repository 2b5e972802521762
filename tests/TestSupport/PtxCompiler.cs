using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace HyenaIL.TestSupport;

/// <summary>
/// Compiles kernels to PTX without a GPU (ILGPU's PTX backend runs on any machine), so that a kernel that
/// would fail on an NVIDIA GPU fails CI. A PTX text containing <c>.extern .func</c> names a .NET call ILGPU
/// could not lower (e.g. <c>MathF.FusedMultiplyAdd</c>): it would fail to link on the GPU.
/// </summary>
public static class PtxCompiler
{
    /// <summary>Every method marked <see cref="KernelAttribute"/> in <paramref name="assembly"/>, with each
    /// generic kernel instantiated once per listed type.</summary>
    public static IReadOnlyList<(MethodInfo Method, bool Grouped)> FindKernels(Assembly assembly)
    {
        var found = new List<(MethodInfo, bool)>();
        const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var type in assembly.GetTypes())
        {
            foreach (var m in type.GetMethods(all))
            {
                var attr = m.GetCustomAttribute<KernelAttribute>();
                if (attr is null) continue;
                if (m.IsGenericMethodDefinition)
                {
                    if (attr.Instantiations.Length == 0)
                        throw new InvalidOperationException($"{type.Name}.{m.Name} is generic but [Kernel] lists no instantiations");
                    foreach (var t in attr.Instantiations)
                        found.Add((m.MakeGenericMethod(t), attr.Grouped));
                }
                else found.Add((m, attr.Grouped));
            }
        }
        return found;
    }

    /// <summary>Compiles each kernel for sm_90 and returns the failures: (kernel, reason).</summary>
    public static List<string> CompileAll(IEnumerable<(MethodInfo Method, bool Grouped)> kernels)
    {
        var failures = new List<string>();
        using var context = Context.Create(b => b.EnableAlgorithms());
        using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null!);
        foreach (var (method, grouped) in kernels)
        {
            string name = $"{method.DeclaringType?.Name}.{method.Name}" +
                          (method.IsGenericMethod ? $"<{string.Join(",", method.GetGenericArguments().Select(t => t.Name))}>" : "");
            try
            {
                var entry = grouped
                    ? EntryPointDescription.FromExplicitlyGroupedKernel(method)
                    : EntryPointDescription.FromImplicitlyGroupedKernel(method);
                var compiled = (PTXCompiledKernel)backend.Compile(entry, new KernelSpecialization());
                if (compiled.PTXAssembly.Contains(".extern .func", StringComparison.Ordinal))
                {
                    var line = compiled.PTXAssembly.Split('\n').First(l => l.Contains(".extern .func", StringComparison.Ordinal));
                    failures.Add($"{name}: PTX calls an external function ({line.Trim()})");
                }
            }
            catch (Exception e)
            {
                failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
            }
        }
        return failures;
    }
}
