using HyenaIL.Fft;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public sealed class KernelCompilationTests
{
    [Fact]
    public void EveryFftKernelCompilesToPtxWithoutExternalCalls()
    {
        var kernels = PtxCompiler.FindKernels(typeof(FftPlan).Assembly);
        Assert.True(kernels.Count >= 5, $"expected the FFT and long-convolution kernels, found {kernels.Count}");
        var failures = PtxCompiler.CompileAll(kernels);
        Assert.True(failures.Count == 0, "kernels that would fail on an NVIDIA GPU:\n" + string.Join("\n", failures));
    }
}
