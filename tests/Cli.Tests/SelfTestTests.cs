using HyenaIL.Cli;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public sealed class SelfTestTests(DeviceFixture fixture)
{
    [Fact]
    public void EveryCasePassesOnTheSimulatorAndEveryKernelIsExercised()
    {
        var report = SelfTest.Run(fixture.Get("ilgpu-cpu"), large: false);
        Assert.True(report.UnexercisedKernels.Count == 0, "kernels the selftest never runs: " + string.Join(", ", report.UnexercisedKernels));
        Assert.True(report.KernelCount >= 60, $"only {report.KernelCount} kernels found");
        var failed = report.Cases.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.WorstRelativeError:E2} {c.Error}");
        Assert.True(report.Passed, string.Join("\n", failed));
    }

    [Fact]
    public void OnTheCpuDeviceItComparesTheCpuWithItselfExactly()
    {
        var report = SelfTest.Run(Device.Cpu, large: false);
        Assert.All(report.Cases, c => Assert.True(c.WorstRelativeError == 0, $"{c.Name}: the cpu device is not deterministic ({c.WorstRelativeError})"));
    }
}
