using BenchmarkDotNet.Running;

namespace HyenaIL.Bench;

/// <summary>Runs the suites named on the command line, e.g.
/// <c>dotnet run -c Release --project bench -- --filter '*Matmul*'</c> (no filter: an interactive menu), or, with
/// <c>side-by-side</c>, HyenaIL's matmul alternating with OpenBLAS (<see cref="SideBySide"/>).</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "side-by-side") SideBySide.Run(args);
        else BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
