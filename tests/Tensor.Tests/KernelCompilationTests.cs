using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public sealed class KernelCompilationTests
{
    [Fact]
    public void EveryTensorKernelCompilesToPtxWithoutExternalCalls()
    {
        var kernels = PtxCompiler.FindKernels(typeof(Tensor).Assembly);
        Assert.True(kernels.Count >= 5, $"expected the tensor engine's kernels, found {kernels.Count}");
        var failures = PtxCompiler.CompileAll(kernels);
        Assert.True(failures.Count == 0, "kernels that would fail on an NVIDIA GPU:\n" + string.Join("\n", failures));
    }
}

public sealed class PtxCompilerSelfTests
{
    [Fact]
    public void AKernelCallingFusedMultiplyAddIsReported()
    {
        var method = typeof(PtxCompilerSelfTests).GetMethod(nameof(BadKernel), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        var failures = PtxCompiler.CompileAll([(method, false)]);
        var failure = Assert.Single(failures);
        Assert.Contains("BadKernel", failure);
    }

    [Fact]
    public void APlainKernelCompiles()
    {
        var method = typeof(PtxCompilerSelfTests).GetMethod(nameof(GoodKernel), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        Assert.Empty(PtxCompiler.CompileAll([(method, false)]));
    }

    private static void BadKernel(ILGPU.Index1D i, ILGPU.ArrayView<float> x) => x[i] = MathF.FusedMultiplyAdd(x[i], 2f, 1f);

    private static void GoodKernel(ILGPU.Index1D i, ILGPU.ArrayView<float> x) => x[i] = x[i] * 2f + 1f;
}
