using System.CommandLine;
using System.Globalization;
using System.Text;
using HyenaIL.Autograd;
using HyenaIL.Layers;

namespace HyenaIL.Cli;

/// <summary><c>hyena inspect</c>: a checkpoint's config and parameter table; its long filters as CSV; the
/// data-controlled matrix a Hyena layer applies to a given input, as CSV.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A safetensors checkpoint.", Required = true };
        var filters = new Option<string?>("--filters") { Description = "Write every layer's long filters k[t] to this CSV (layer,conv,channel,t,value)." };
        var length = new Option<int?>("--length") { Description = "Filter positions to write (default: min(l_max, 1024))." };
        var matrix = new Option<string?>("--matrix") { Description = "Write the materialised matrix H[t, s] of --layer and --channel for --input to this CSV." };
        var layer = new Option<int>("--layer") { Description = "Layer for --matrix.", DefaultValueFactory = _ => 0 };
        var channel = new Option<int>("--channel") { Description = "Channel for --matrix.", DefaultValueFactory = _ => 0 };
        var input = new Option<string?>("--input") { Description = "Input for --matrix: text (byte models) or space-separated tokens." };
        var command = new Command("inspect", "Show a checkpoint's config and parameters; export filters and matrices.") { checkpoint, filters, length, matrix, layer, channel, input };
        command.SetAction(p =>
        {
            foreach (var (option, needs, given) in new (Option Option, string Needs, bool Given)[]
                     {
                         (length, "--filters", p.GetValue(filters) is not null),
                         (layer, "--matrix", p.GetValue(matrix) is not null), (channel, "--matrix", p.GetValue(matrix) is not null), (input, "--matrix", p.GetValue(matrix) is not null),
                     })
                if (!given && p.GetResult(option) is { Implicit: false })
                    throw new ArgumentException($"{option.Name} is for {needs}, which was not given");
            string path = p.GetValue(checkpoint)!;
            using var model = Checkpoint.LoadModel(path, Device.Cpu, out var load);
            if (load.ConversionNote() is { Length: > 0 } note) Console.Error.WriteLine($"{path}: {note}");
            model.Eval();
            Console.WriteLine($"checkpoint: {Path.GetFullPath(path)}");
            Console.WriteLine($"config: {model.Config.ToJson()}");
            if (!Checkpoint.Read(path).Metadata.ContainsKey(Checkpoint.ConfigKey))
                Console.WriteLine($"config inferred from the tensor names and shapes (no HyenaIL config in the file): {ArchitectureInference.Assumptions}");
            Console.WriteLine($"trained parameters: {model.ParameterCount():N0}");
            Console.Write(model.Describe());
            if (p.GetValue(filters) is { } csv) WriteFilters(model, csv, p.GetValue(length) ?? Math.Min(model.Config.MaxLength, 1024));
            if (p.GetValue(matrix) is { } m)
                WriteMatrix(model, path, m, p.GetValue(layer), p.GetValue(channel), p.GetValue(input) ?? throw new ArgumentException("--matrix needs --input"));
            return 0;
        });
        return command;
    }

    private static void WriteFilters(LanguageModel model, string csv, int length)
    {
        if (model.Config.Mixer != MixerKind.Hyena) throw new ArgumentException("--filters: the checkpoint is a Transformer; it has no long filters");
        if (length < 1 || length > model.Config.MaxLength) throw new ArgumentException($"--length {length} is outside [1, {model.Config.MaxLength}]");
        var sb = new StringBuilder("layer,conv,channel,t,value\n");
        using var graph = new Graph(recordGradients: false);
        for (int i = 0; i < model.Backbone.Layers.Count; i++)
        {
            var op = (HyenaOperator)model.Backbone.Layers[i].Mixer;
            var (kernels, _) = op.Filter.Kernels(graph, length);
            for (int o = 0; o < kernels.Length; o++)
            {
                var k = kernels[o].Value.ToFloatArray();                                            // (D, L)
                for (int c = 0; c < op.Filter.Width; c++)
                    for (int t = 0; t < length; t++)
                        sb.Append(CultureInfo.InvariantCulture, $"{i},{o},{c},{t},{k[c * length + t]:R}\n");
            }
        }
        WriteAtomically(csv, sb.ToString());
        Console.WriteLine($"filters: {csv} ({model.Backbone.Layers.Count} layers × {model.Config.Order - 1} convolutions × {model.Config.Width} channels × {length} positions)");
    }

    private static void WriteMatrix(LanguageModel model, string path, string csv, int layer, int channel, string input)
    {
        if (model.Config.Mixer != MixerKind.Hyena) throw new ArgumentException("--matrix: the checkpoint is a Transformer; only Hyena layers have materialised matrices");
        if (layer < 0 || layer >= model.Config.Layers) throw new ArgumentException($"--layer {layer} is outside [0, {model.Config.Layers})");
        if (channel < 0 || channel >= model.Config.Width) throw new ArgumentException($"--channel {channel} is outside [0, {model.Config.Width})");
        var ids = Encode(path, model, input);
        using var graph = new Graph(recordGradients: false);
        using var tokens = Tensor.FromArray(ids, Shape.Of(1, ids.Length), model.Device);
        var r = model.Backbone.Embeddings.Forward(graph.Input(tokens));
        for (int i = 0; i < layer; i++) r = model.Backbone.Layers[i].Forward(r);
        var block = model.Backbone.Layers[layer];
        var m = ((HyenaOperator)block.Mixer).Materialize(block.Norm1.Forward(r).Value);
        var sb = new StringBuilder();
        for (int t = 0; t < m.Length; t++)
            sb.AppendJoin(',', Enumerable.Range(0, m.Length).Select(s => m.At(channel, t, s).ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        WriteAtomically(csv, sb.ToString());
        Console.WriteLine($"matrix: {csv} (layer {layer}, channel {channel}, {m.Length}×{m.Length}, row t = output position, column s = input position)");
    }

    private static int[] Encode(string path, LanguageModel model, string input)
    {
        var recall = Tasks.RecallTokens(Checkpoint.Read(path));
        int[] ids = recall is not null
            ? input.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => Array.IndexOf(recall, w) is var id and >= 0 ? id
                : throw new ArgumentException($"--input token '{w}' is not in the task's vocabulary ({string.Join(' ', recall)})")).ToArray()
            : Encoding.UTF8.GetBytes(input).Select(b => (int)b).ToArray();
        int max = Math.Min(model.Config.MaxLength, HyenaMaterialize.MaxLength);
        string unit = recall is null ? "bytes" : "tokens";
        if (ids.Length == 0 || ids.Length > max)
            throw new ArgumentException($"--input must have 1 to {max} {unit} (the model's l_max is {model.Config.MaxLength}), got {ids.Length}");
        if (ids.FirstOrDefault(id => id >= model.Config.Vocab, -1) is var bad and >= 0)
            throw new ArgumentException($"--input {(recall is null ? "byte" : "token id")} {bad} is outside the model's vocabulary of {model.Config.Vocab}");
        return ids;
    }

    private static void WriteAtomically(string path, string text)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }
}
