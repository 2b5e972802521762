using HyenaIL.TestSupport;
using ILGPU;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>
/// An ILGPU device loads only the kernels that KernelCompilationTests compiles to PTX: methods marked [Kernel], and
/// generic ones only with a type argument their attribute lists. Otherwise a new operator struct used at run time
/// would reach a GPU without ever having been compiled to PTX in CI.
/// </summary>
public sealed class IlgpuDeviceTests(DeviceFixture fixture)
{
    private IlgpuDevice Device => (IlgpuDevice)fixture.Get("ilgpu-cpu");

    [Fact]
    public void AGenericKernelLoadsWithATypeArgumentItsAttributeLists()
    {
        var g = Device;
        using var x = Tensor.FromArray(new[] { 1f, -2f, 3f }, Shape.Of(3), g);
        g.Kernel<Index1D, ArrayView<float>>(TestKernels.Scale<Doubling>)(3, x.View);
        Assert.Equal(new[] { 2f, -4f, 6f }, x.ToFloatArray());
        Assert.Contains(g.LoadedKernels, m => m.Name == nameof(TestKernels.Scale) && m.GetGenericArguments()[0] == typeof(Doubling));
    }

    [Fact]
    public void AGenericKernelWithAnUnlistedTypeArgumentIsRefused()
    {
        var g = Device;
        var e = Assert.Throws<InvalidOperationException>(() => g.Kernel<Index1D, ArrayView<float>>(TestKernels.Scale<Tripling>));
        Assert.Contains("TestKernels.Scale<Tripling>", e.Message);
        Assert.Contains("lists only Doubling", e.Message);
        Assert.DoesNotContain(g.LoadedKernels, m => m.Name == nameof(TestKernels.Scale) && m.GetGenericArguments()[0] == typeof(Tripling));
    }

    [Fact]
    public void AKernelWithoutTheAttributeIsRefused()
    {
        var g = Device;
        var e = Assert.Throws<InvalidOperationException>(() => g.Kernel<Index1D, ArrayView<float>>(TestKernels.Unmarked));
        Assert.Contains("TestKernels.Unmarked", e.Message);
        Assert.Contains("lacks [Kernel]", e.Message);
        Assert.DoesNotContain(g.LoadedKernels, m => m.Name == nameof(TestKernels.Unmarked));
    }
}

public interface IScaleOperator
{
    float Apply(float x);
}

public readonly struct Doubling : IScaleOperator
{
    public float Apply(float x) => 2f * x;
}

public readonly struct Tripling : IScaleOperator
{
    public float Apply(float x) => 3f * x;
}

public static class TestKernels
{
    [Kernel(typeof(Doubling))]
    public static void Scale<TOp>(Index1D i, ArrayView<float> x) where TOp : struct, IScaleOperator => x[i] = default(TOp).Apply(x[i]);

    public static void Unmarked(Index1D i, ArrayView<float> x) => x[i] = -x[i];
}
