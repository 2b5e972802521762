namespace HyenaIL;

/// <summary>
/// The managed CPU device: tensors are .NET arrays, operations are vectorised (<c>Vector256</c>/<c>Vector512</c>,
/// <c>TensorPrimitives</c>) and multi-threaded (<see cref="CpuParallel"/>). The only device with float64 tensors.
/// </summary>
public sealed class CpuDevice : Device
{
    internal static readonly CpuDevice Instance = new();

    private CpuDevice()
    {
    }

    public override string Name => "cpu";

    public override DeviceKind Kind => DeviceKind.Cpu;

    public override string Description =>
        $"managed CPU, {Environment.ProcessorCount} threads, {VectorWidth()}-bit vectors";

    public override void Synchronize()
    {
    }

    private protected override Storage CreateStorage(DType dtype, int length) => new CpuStorage(this, dtype, length);

    protected override void DisposeCore()
    {
    }

    private static int VectorWidth() =>
        System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? 512
        : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? 256 : 128;
}
