using System.CommandLine;

namespace HyenaIL.Cli;

/// <summary><c>hyena selftest --device D</c>: every kernel on D against the cpu device, pass/fail per case with the
/// worst relative error; exit code 0 only if every case passes and every kernel was exercised.</summary>
public static class SelfTestCommand
{
    public static Command Create()
    {
        var device = new Option<string?>("--device") { Description = $"Device to check: {DeviceSelector.KnownNames}." };
        var large = new Option<bool>("--large") { Description = "Also use large sizes (default on GPUs, off on the simulator)." };
        var command = new Command("selftest", "Check every kernel on a device against the cpu device.") { device, large };
        command.SetAction(p =>
        {
            using var dev = Devices.Open(p.GetValue(device));
            bool big = p.GetValue(large) || dev.Kind is DeviceKind.Cuda or DeviceKind.OpenCL;
            var report = SelfTest.Run(dev, big, r =>
                Console.WriteLine($"{(r.Passed ? "pass" : "FAIL")}  {r.Name,-36} worst relative error {r.WorstRelativeError:E2}{(r.Error is null ? "" : "  " + r.Error)}"));
            if (dev is IlgpuDevice)
            {
                Console.WriteLine($"kernels exercised: {report.KernelCount - report.UnexercisedKernels.Count} of {report.KernelCount}");
                foreach (var k in report.UnexercisedKernels) Console.WriteLine($"FAIL  kernel never run: {k}");
            }
            int failed = report.Cases.Count(c => !c.Passed);
            Console.WriteLine(report.Passed ? $"selftest passed on {dev.Name}: {report.Cases.Count} cases within {SelfTest.Threshold:E0}"
                                            : $"selftest FAILED on {dev.Name}: {failed} of {report.Cases.Count} cases, {report.UnexercisedKernels.Count} kernels not run");
            return report.Passed ? 0 : CliRunner.Failure;
        });
        return command;
    }
}
