using System.CommandLine;
using HyenaIL.Layers;

namespace HyenaIL.Cli;

/// <summary>Runs a command and turns every expected failure into one clear line on standard error and exit code 2
/// (1 for anything unexpected), without a stack trace unless <c>--verbose</c> is given.</summary>
public static class CliRunner
{
    public const int BadInput = 2;
    public const int Failure = 1;

    public static int Run(RootCommand root, string[] args)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Print stack traces of errors.", Recursive = true };
        root.Options.Add(verbose);
        var parse = root.Parse(args);
        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (Describe(e) is { } line)
        {
            Console.Error.WriteLine($"hyena: {line}");
            if (parse.GetValue(verbose)) Console.Error.WriteLine(e);
            return e is OutOfMemoryException or IOException ? Failure : BadInput;
        }
    }

    /// <summary>The message alone, without the parameter name and "Actual value" lines .NET appends.</summary>
    private static string Clean(ArgumentException a)
    {
        string first = a.Message.Split('\n')[0].TrimEnd();
        return a.ParamName is { } p && first.EndsWith($" (Parameter '{p}')", StringComparison.Ordinal)
            ? first[..^$" (Parameter '{p}')".Length]
            : first;
    }

    private static string? Describe(Exception e) => e switch
    {
        CheckpointException or DeviceNotFoundException or ShapeException or DTypeException or DeviceMismatchException => e.Message,
        FileNotFoundException f => f.Message,
        DirectoryNotFoundException or UnauthorizedAccessException or IOException => e.Message,
        ArgumentException a => Clean(a),
        OutOfMemoryException => "out of memory: try a smaller batch size, sequence length or model",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
