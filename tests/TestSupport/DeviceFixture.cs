using Xunit;

namespace HyenaIL.TestSupport;

/// <summary>
/// Opens each device once per test assembly and shares it between test classes (an ILGPU context and its
/// compiled kernels are costly). Register it in each test assembly with
/// <c>[assembly: AssemblyFixture(typeof(DeviceFixture))]</c>.
/// </summary>
public sealed class DeviceFixture : IDisposable
{
    private readonly Dictionary<string, Lazy<(Device? Device, string? Why)>> devices = new();
    private readonly object gate = new();

    /// <summary>The device for <paramref name="name"/>, or the test is reported skipped with the reason it could
    /// not be opened (only <c>cuda</c> and <c>opencl</c> may be missing; <c>cpu</c> and <c>ilgpu-cpu</c> must open).</summary>
    public Device Get(string name)
    {
        Lazy<(Device?, string?)> lazy;
        lock (gate)
        {
            if (!devices.TryGetValue(name, out lazy!))
                devices[name] = lazy = new Lazy<(Device?, string?)>(() => TryOpen(name));
        }
        var (device, why) = lazy.Value;
        if (device is null)
            Assert.Skip($"device {name} is not available here: {why}");
        return device!;
    }

    private static (Device?, string?) TryOpen(string name)
    {
        if (name is "cpu" or "ilgpu-cpu")
            return (Device.Open(name), null);
        try
        {
            return (Device.Open(name), null);
        }
        catch (DeviceNotFoundException e)
        {
            return (null, e.Message);
        }
    }

    public void Dispose()
    {
        foreach (var lazy in devices.Values)
            if (lazy.IsValueCreated) lazy.Value.Device?.Dispose();
    }
}

/// <summary>
/// Base of every per-device test class: a test is written once in an abstract class deriving from this, and
/// bound to <c>cpu</c>, <c>ilgpu-cpu</c> and <c>cuda</c> by three one-line subclasses. On a machine without
/// a GPU the <c>cuda</c> tests report skipped with the reason; they never pass silently.
/// </summary>
public abstract class DeviceTestBase(DeviceFixture fixture, string deviceName)
{
    protected DeviceFixture Fixture { get; } = fixture;

    protected string DeviceName { get; } = deviceName;

    /// <summary>The device under test (skips the test if it is unavailable).</summary>
    protected Device Device => Fixture.Get(DeviceName);

    /// <summary>The managed CPU device, for cross-checks.</summary>
    protected static Device Cpu => HyenaIL.Device.Cpu;

    protected bool IsCpu => DeviceName == "cpu";

    /// <summary>Uploads float64 data to the device under test as float32.</summary>
    protected Tensor Upload(double[] data, params int[] shape) =>
        Tensor.FromArray(Array.ConvertAll(data, x => (float)x), new Shape(shape), Device);

    protected Tensor Upload(int[] data, params int[] shape) => Tensor.FromArray(data, new Shape(shape), Device);
}
