using System.CommandLine;
using System.CommandLine.Invocation;
using System.Text.RegularExpressions;
using HyenaIL.Layers;

namespace HyenaIL.Cli;

/// <summary>Runs a command and turns every expected failure into one clear line on standard error and exit code 2
/// (1 for anything unexpected), without a stack trace unless <c>--verbose</c> is given. A command line that does not
/// parse (an unknown option, <c>--steps abc</c>) gets one line too, naming the problem and the command's help.</summary>
public static partial class CliRunner
{
    public const int BadInput = 2;
    public const int Failure = 1;

    public static int Run(RootCommand root, string[] args)
    {
        var verbose = new Option<bool>("--verbose") { Description = "Print stack traces of errors.", Recursive = true };
        root.Options.Add(verbose);
        var parse = root.Parse(args);
        if (args.Length > 0 && parse.Errors.Count > 0 && parse.Action is ParseErrorAction)
        {
            Console.Error.WriteLine($"hyena: {ParseErrors(parse)}");
            return BadInput;
        }
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

    /// <summary>Every parse error on one line, .NET type names said in words, and where to find the options.</summary>
    private static string ParseErrors(ParseResult parse)
    {
        var messages = parse.Errors.Select(e => Whitespace().Replace(TypeName().Replace(e.Message, m => Words(m.Groups[1].Value)), " ").Trim().TrimEnd('.'))
            .Distinct().Select(m => m.Length > 0 ? char.ToLowerInvariant(m[0]) + m[1..] : m);
        string help = parse.CommandResult.Command is RootCommand ? "hyena --help" : $"hyena {parse.CommandResult.Command.Name} --help";
        return $"{string.Join("; ", messages)} (see '{help}')";
    }

    private static string Words(string type) => type switch
    {
        "Int32" or "Int64" => "'integer'",
        "UInt64" or "UInt32" => "'non-negative integer'",
        "Double" or "Single" => "'number'",
        "Boolean" => "'true or false'",
        _ => $"'{type}'",
    };

    [GeneratedRegex(@"'System\.(?:Nullable`1\[\[?System\.)?(\w+)[^']*'")]
    private static partial Regex TypeName();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

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
        ArgumentOutOfRangeException { ActualValue: { } actual } a => $"{Clean(a)}, got {actual}",
        ArgumentException a => Clean(a),
        OutOfMemoryException => "out of memory: try a smaller batch size, sequence length or model",
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
