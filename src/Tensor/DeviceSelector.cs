using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace HyenaIL;

/// <summary>One device that discovery looked at: usable, or skipped with the reason.</summary>
public sealed record DeviceCandidate(string Name, bool Usable, string Detail);

/// <summary>What <see cref="DeviceSelector.Discover"/> found, and what <c>auto</c> picks.</summary>
public sealed record DeviceReport(IReadOnlyList<DeviceCandidate> Candidates, string AutoChoice, string? EnvironmentValue);

/// <summary>The device could not be opened: it does not exist here, or its runtime is missing.</summary>
public sealed class DeviceNotFoundException(string message) : Exception(message);

/// <summary>
/// Finds and opens devices. The one place that reads the environment: <c>HYENAIL_DEVICE</c> replaces
/// <c>auto</c> (an explicit device name given by the caller wins over it). <c>auto</c> picks CUDA, then
/// OpenCL, then <c>cpu</c>.
/// </summary>
public static class DeviceSelector
{
    public const string EnvironmentVariable = "HYENAIL_DEVICE";

    /// <summary>Names accepted by <see cref="Open"/>, for error messages and help texts.</summary>
    public const string KnownNames = "auto, cpu, ilgpu-cpu, cuda, cuda:N, opencl, opencl:N";

    /// <summary>The simulated CPU device used for <c>ilgpu-cpu</c>: 4 threads per warp, 4 warps per group,
    /// one multiprocessor, so groups of up to 16 threads and real warp shuffles are exercised.</summary>
    public static CPUDevice SimulatorDevice => new(4, 4, 1);

    private static int resolverInstalled;

    /// <summary>
    /// Resolves a requested name: null, empty or <c>auto</c> take <c>HYENAIL_DEVICE</c> when it is set, then
    /// <c>auto</c>. Returns the concrete name (never <c>auto</c>) and why it was chosen.
    /// </summary>
    public static (string Name, string Why) Resolve(string? requested)
    {
        string? env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(requested) && !IsAuto(requested))
            return (Normalize(requested), "requested");
        if (!string.IsNullOrWhiteSpace(env) && !IsAuto(env))
            return (Normalize(env), $"from {EnvironmentVariable}");
        var report = Discover();
        return (report.AutoChoice, "auto: " + AutoReason(report));
    }

    /// <summary>Opens a device: <c>auto</c>, <c>cpu</c>, <c>ilgpu-cpu</c>, <c>cuda</c>, <c>cuda:N</c>,
    /// <c>opencl</c>, <c>opencl:N</c>. The caller owns the device (disposing <c>cpu</c> does nothing).</summary>
    public static Device Open(string? requested)
    {
        var (name, _) = Resolve(requested);
        return OpenExact(name);
    }

    /// <summary>Looks at every device kind and says which can be used and why others cannot.</summary>
    public static DeviceReport Discover()
    {
        InstallNativeResolver();
        var list = new List<DeviceCandidate>();
        list.AddRange(Probe("cuda", b => b.Cuda(), AcceleratorType.Cuda, "libcuda.so.1",
            "no NVIDIA driver (libcuda.so.1 not found)", "NVIDIA driver found but it reports no CUDA device"));
        list.AddRange(Probe("opencl", b => b.OpenCL(), AcceleratorType.OpenCL, "libOpenCL.so.1",
            "no OpenCL runtime (libOpenCL.so.1 not found)",
            "OpenCL runtime found but no device with OpenCL 2.0, or 3.0 with generic address space, which ILGPU needs"));
        list.Add(new DeviceCandidate("cpu", true, CpuDevice.Instance.Description));
        list.Add(new DeviceCandidate("ilgpu-cpu", true, "ILGPU CPU simulator (slow; for checking kernels)"));
        string auto = list.First(c => c.Usable && c.Name != "ilgpu-cpu").Name;
        return new DeviceReport(list, auto, Environment.GetEnvironmentVariable(EnvironmentVariable));
    }

    private static string AutoReason(DeviceReport report)
    {
        var skipped = report.Candidates.Where(c => !c.Usable).Select(c => $"{c.Name}: {c.Detail}");
        return skipped.Any() ? "skipped " + string.Join("; ", skipped) : "first found";
    }

    private static IEnumerable<DeviceCandidate> Probe(string prefix, Func<Context.Builder, Context.Builder> add,
        AcceleratorType type, string library, string noLibrary, string noDevice)
    {
        if (!NativeLibrary.TryLoad(library, out var handle))
            return [new DeviceCandidate(prefix, false, noLibrary)];
        NativeLibrary.Free(handle);
        try
        {
            using var context = Context.Create(b => add(b));
            var devices = context.Devices.Where(d => d.AcceleratorType == type).ToList();
            if (devices.Count == 0)
                return [new DeviceCandidate(prefix, false, noDevice)];
            return devices.Select((d, i) => new DeviceCandidate($"{prefix}:{i}", true,
                $"{d.Name}, {d.MemorySize / (1 << 20)} MiB"));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [new DeviceCandidate(prefix, false, $"{prefix} runtime failed to start: {e.Message}")];
        }
    }

    private static Device OpenExact(string name)
    {
        InstallNativeResolver();
        if (name == "cpu") return CpuDevice.Instance;
        if (name == "ilgpu-cpu")
        {
            var context = Context.Create(b => b.CPU(SimulatorDevice).EnableAlgorithms());
            var accelerator = context.CreateCPUAccelerator(0);
            return new IlgpuDevice(context, accelerator, "ilgpu-cpu", DeviceKind.IlgpuCpu);
        }
        var (prefix, index) = Split(name);
        var (type, kind) = prefix == "cuda" ? (AcceleratorType.Cuda, DeviceKind.Cuda) : (AcceleratorType.OpenCL, DeviceKind.OpenCL);
        var ctx = Context.Create(b => (prefix == "cuda" ? b.Cuda() : b.OpenCL()).EnableAlgorithms());
        var found = ctx.Devices.Where(d => d.AcceleratorType == type).ToList();
        if (index >= found.Count)
        {
            ctx.Dispose();
            var why = Discover().Candidates.FirstOrDefault(c => c.Name.StartsWith(prefix, StringComparison.Ordinal));
            string reason = why is { Usable: false } ? why.Detail : $"{found.Count} {prefix} device(s) found";
            throw new DeviceNotFoundException($"device '{name}' is not available: {reason}");
        }
        var acc = found[index].CreateAccelerator(ctx);
        return new IlgpuDevice(ctx, acc, $"{prefix}:{index}", kind);
    }

    private static bool IsAuto(string name) => name.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase);

    private static string Normalize(string requested)
    {
        string name = requested.Trim().ToLowerInvariant();
        if (name is "cpu" or "ilgpu-cpu") return name;
        if (name is "cuda" or "opencl") return name + ":0";
        var parts = name.Split(':');
        if (parts.Length == 2 && parts[0] is "cuda" or "opencl" && int.TryParse(parts[1], out int i) && i >= 0)
            return name;
        throw new ArgumentException($"unknown device '{requested}'; expected one of {KnownNames}");
    }

    private static (string Prefix, int Index) Split(string name)
    {
        var parts = name.Split(':');
        return (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// ILGPU asks for <c>libcuda.so</c> and <c>libOpenCL.so</c>; a machine with only the driver has the
    /// <c>.so.1</c> names, and ILGPU would silently find no device. Installed once per process.
    /// </summary>
    public static void InstallNativeResolver()
    {
        if (Interlocked.Exchange(ref resolverInstalled, 1) != 0) return;
        NativeLibrary.SetDllImportResolver(typeof(Context).Assembly, (name, asm, path) =>
        {
            string? so = name switch { "cuda" => "libcuda.so.1", "OpenCL" => "libOpenCL.so.1", _ => null };
            return so != null && NativeLibrary.TryLoad(so, out var h) ? h : IntPtr.Zero;
        });
    }
}
