using System.CommandLine;

namespace HyenaIL.Cli;

/// <summary><c>hyena bench operator|train|generate</c>: medians after warm-up, as a table or one JSON object per case.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var device = new Option<string?>("--device") { Description = $"Device: {DeviceSelector.KnownNames}.", Recursive = true };
        var json = new Option<bool>("--json") { Description = "One JSON object per case.", Recursive = true };
        var repeats = new Option<int>("--repeats") { Description = "Timed runs per case (median).", DefaultValueFactory = _ => 5, Recursive = true };
        var command = new Command("bench", "Measure the Hyena operator against attention, the long convolution, training and generation.") { device, json, repeats };

        var batch = new Option<int>("--batch") { Description = "Batch size.", DefaultValueFactory = _ => 1 };
        var width = new Option<int>("--width") { Description = "Width D.", DefaultValueFactory = _ => 256 };
        var heads = new Option<int>("--heads") { Description = "Attention heads.", DefaultValueFactory = _ => 4 };
        var lengths = new Option<string>("--lengths") { Description = "Comma-separated sequence lengths.", DefaultValueFactory = _ => "256,512,1024,2048,4096,8192,16384,32768,65536" };
        var limit = new Option<double>("--attention-limit") { Description = "Stop attention after a fwd+bwd slower than this many seconds.", DefaultValueFactory = _ => 900 };
        var budget = new Option<long>("--memory-mib") { Description = "Memory budget for attention activations, MiB.", DefaultValueFactory = _ => 16384 };
        var mixers = new Option<string>("--mixers") { Description = "Which mixers to time: hyena, attention or both.", DefaultValueFactory = _ => "both" };
        mixers.AcceptOnlyFromAmong("hyena", "attention", "both");
        var op = new Command("operator", "The Hyena operator (order 2) against causal multi-head attention.") { batch, width, heads, lengths, limit, budget, mixers };
        op.SetAction(p =>
        {
            string which = p.GetValue(mixers)!;
            return Print(p.GetValue(json), p.GetValue(device), d => OperatorBench.Run(d, p.GetValue(batch), p.GetValue(width), p.GetValue(heads),
                ParseLengths(p.GetValue(lengths)!), p.GetValue(repeats), p.GetValue(limit), p.GetValue(budget) << 20,
                hyena: which != "attention", attention: which != "hyena"));
        });
        command.Subcommands.Add(op);

        var convBatch = new Option<int>("--batch") { Description = "Batch size.", DefaultValueFactory = _ => 4 };
        var channels = new Option<int>("--channels") { Description = "Channels C.", DefaultValueFactory = _ => 64 };
        var convLengths = new Option<string>("--lengths") { Description = "Comma-separated lengths.", DefaultValueFactory = _ => "16,32,48,64,96,128,256,1024,4096,16384,65536" };
        var directMax = new Option<int>("--direct-max") { Description = "Longest L timed with the direct method (it is O(L²)).", DefaultValueFactory = _ => 4096 };
        var fftconv = new Command("fftconv", "The long convolution by FFT against the direct sum.") { convBatch, channels, convLengths, directMax };
        fftconv.SetAction(p => Print(p.GetValue(json), p.GetValue(device), d => FftConvBench.Run(d, p.GetValue(convBatch), p.GetValue(channels),
            ParseLengths(p.GetValue(convLengths)!), p.GetValue(repeats), p.GetValue(directMax))));
        command.Subcommands.Add(fftconv);

        var text = new Option<string?>("--text") { Description = "Text for the byte-level LM (default: random bytes)." };
        var train = new Command("train", "Tokens per second of full training steps.") { text };
        train.SetAction(p => Print(p.GetValue(json), p.GetValue(device), d => TrainBench.Run(d, p.GetValue(text), p.GetValue(repeats))));
        command.Subcommands.Add(train);

        var contexts = new Option<string>("--contexts") { Description = "Comma-separated context lengths.", DefaultValueFactory = _ => "1024,8192" };
        var tokens = new Option<int>("--tokens") { Description = "Tokens generated per context.", DefaultValueFactory = _ => 64 };
        var generate = new Command("generate", "Tokens per second of generation.") { contexts, tokens };
        generate.SetAction(p => Print(p.GetValue(json), p.GetValue(device), d => GenerateBench.Run(d, ParseLengths(p.GetValue(contexts)!), p.GetValue(tokens))));
        command.Subcommands.Add(generate);
        return command;
    }

    private static int Print(bool json, string? deviceName, Func<Device, IEnumerable<BenchCase>> cases)
    {
        using var device = json ? Device.Open(DeviceSelector.Resolve(deviceName).Name) : Devices.Open(deviceName);
        if (!json) Console.WriteLine(BenchCase.Header);
        foreach (var c in cases(device))
        {
            Console.WriteLine(json ? c.ToJson().ToJsonString() : c.Row());
            Console.Out.Flush();
        }
        return 0;
    }

    private static int[] ParseLengths(string s)
    {
        try
        {
            var values = s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(x => int.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (values.Length == 0 || values.Any(v => v < 1)) throw new FormatException();
            return values;
        }
        catch (FormatException)
        {
            throw new ArgumentException($"expected comma-separated positive lengths, got '{s}'");
        }
    }
}
