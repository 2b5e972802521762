using System.CommandLine;

namespace HyenaIL.Cli;

/// <summary><c>hyena devices</c>: every device kind looked at, usable or skipped with the reason, and what
/// <c>auto</c> picks.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the devices found, which one auto picks, and why any was skipped.");
        command.SetAction(_ =>
        {
            var report = DeviceSelector.Discover();
            foreach (var c in report.Candidates)
                Console.WriteLine($"{(c.Usable ? "found  " : "skipped")}  {c.Name,-10} {c.Detail}");
            Console.WriteLine($"auto picks: {report.AutoChoice}");
            if (report.EnvironmentValue is { Length: > 0 } env)
                Console.WriteLine($"{DeviceSelector.EnvironmentVariable}={env} overrides auto");
            return 0;
        });
        return command;
    }
}
