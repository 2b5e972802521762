using System.CommandLine;
using System.Text.Json.Nodes;
using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary><c>hyena eval</c>: mean cross-entropy (nats per token), accuracy and, for text, bits per byte of a
/// checkpoint on its task's held-out set, or on a whole text file in consecutive windows.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A safetensors checkpoint.", Required = true };
        var text = new Option<string?>("--text") { Description = "Score this whole file in consecutive windows of --seq-len bytes." };
        var seqLen = new Option<int?>("--seq-len") { Description = "Window length (default: the checkpoint's)." };
        var batch = new Option<int>("--batch-size") { Description = "Windows per batch.", DefaultValueFactory = _ => 16 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var device = new Option<string?>("--device") { Description = $"Device: {DeviceSelector.KnownNames}." };
        var command = new Command("eval", "Score a checkpoint: cross-entropy, accuracy, bits per byte.") { checkpoint, text, seqLen, batch, json, device };
        command.SetAction(p =>
        {
            bool asJson = p.GetValue(json);
            using var dev = asJson ? Device.Open(DeviceSelector.Resolve(p.GetValue(device)).Name) : Devices.Open(p.GetValue(device));
            string path = p.GetValue(checkpoint)!;
            using var model = Checkpoint.LoadModel(path, dev, out var load);
            if (load.ConversionNote() is { Length: > 0 } note) Console.Error.WriteLine($"{path}: {note}");
            model.Eval();
            var (batches, what, isText) = Batches(path, model, p.GetValue(text), p.GetValue(seqLen), p.GetValue(batch));
            var r = Metrics.Evaluate(model, batches);
            if (asJson)
            {
                var o = new JsonObject { ["checkpoint"] = Path.GetFullPath(path), ["data"] = what, ["loss"] = r.Loss, ["accuracy"] = r.Accuracy, ["tokens"] = r.Tokens };
                if (isText) o["bits_per_byte"] = r.BitsPerToken;
                Console.WriteLine(o.ToJsonString());
            }
            else
            {
                Console.WriteLine($"{what}: cross-entropy {r.Loss:F4} nats/token, accuracy {r.Accuracy:P2} over {r.Tokens:N0} tokens" +
                                  (isText ? $", {r.BitsPerToken:F4} bits/byte" : ""));
            }
            return 0;
        });
        return command;
    }

    private static (IEnumerable<Batch> Batches, string What, bool IsText) Batches(string path, LanguageModel model, string? text, int? seqLen, int batch)
    {
        if (batch < 1) throw new ArgumentException($"--batch-size must be at least 1, got {batch}");
        if (text is not null)
        {
            int l = seqLen ?? model.Config.MaxLength;
            if (l < 1 || l > model.Config.MaxLength) throw new ArgumentException($"--seq-len {l} is outside [1, {model.Config.MaxLength}] (the model's l_max)");
            if (!File.Exists(text)) throw new FileNotFoundException($"text file {text} does not exist", text);
            var bytes = File.ReadAllBytes(text);
            if (bytes.Length < l + 1) throw new ArgumentException($"text file {text} has {bytes.Length} bytes; one window needs {l + 1}");
            if (model.Config.Vocab < 256) throw new ArgumentException($"the checkpoint's vocabulary is {model.Config.Vocab}; byte-level text needs 256");
            return (ByteText.Windows(bytes, l, batch), $"{Path.GetFileName(text)} ({(bytes.Length - 1) / l} windows of {l})", true);
        }
        var state = Tasks.StateOf(path);
        var task = Tasks.FromState(seqLen is { } s ? state with { Task = new(state.Task) { ["seq_len"] = s.ToString(System.Globalization.CultureInfo.InvariantCulture) } } : state);
        if (task.SequenceLength > model.Config.MaxLength) throw new ArgumentException($"--seq-len {task.SequenceLength} exceeds the model's l_max {model.Config.MaxLength}");
        return (task.EvalBatches(batch), $"{task.Description} (held out)", task is ByteText);
    }
}
