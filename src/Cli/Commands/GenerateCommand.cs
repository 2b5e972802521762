using System.CommandLine;
using System.Text;
using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary><c>hyena generate</c>: continue a prompt. Byte-level models read and write UTF-8 text; associative
/// recall models read and write their token strings separated by spaces (e.g. "3 7 0 4 =&gt; 0").</summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A safetensors checkpoint.", Required = true };
        var prompt = new Option<string>("--prompt") { Description = "Text to continue.", Required = true };
        var tokens = new Option<int>("--tokens") { Description = "Tokens to generate.", DefaultValueFactory = _ => 100 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (0: greedy).", DefaultValueFactory = _ => 0.8 };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely (0: all).", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed") { Description = "Sampling seed.", DefaultValueFactory = _ => 1UL };
        var device = new Option<string?>("--device") { Description = $"Device: {DeviceSelector.KnownNames}." };
        var command = new Command("generate", "Continue a prompt with a trained model.") { checkpoint, prompt, tokens, temperature, topK, seed, device };
        command.SetAction(p =>
        {
            using var dev = Devices.Open(p.GetValue(device));
            string path = p.GetValue(checkpoint)!;
            using var model = Checkpoint.LoadModel(path, dev, out var load);
            if (load.ConversionNote() is { Length: > 0 } note) Console.Error.WriteLine($"{path}: {note}");
            var recall = RecallVocabulary(path);
            var ids = recall is null ? Encoding.UTF8.GetBytes(p.GetValue(prompt)!).Select(b => (int)b).ToList() : Parse(p.GetValue(prompt)!, recall);
            var output = Generator.Generate(model, ids, p.GetValue(tokens), p.GetValue(temperature), p.GetValue(topK), p.GetValue(seed));
            if (recall is null)
            {
                var bytes = new List<byte>();
                foreach (var t in output) bytes.Add((byte)t);
                Console.Write(p.GetValue(prompt));
                Console.WriteLine(Encoding.UTF8.GetString(bytes.ToArray()));
            }
            else Console.WriteLine(p.GetValue(prompt) + " " + string.Join(' ', output.Select(t => recall[t])));
            return 0;
        });
        return command;
    }

    private static string[]? RecallVocabulary(string path)
    {
        var file = Checkpoint.Read(path);
        if (!file.Metadata.ContainsKey(Trainer.StateKey)) return null;
        var state = Tasks.StateOf(path);
        return state.TaskSetting("task") == "assoc-recall" ? ((AssociativeRecall)Tasks.FromState(state)).Tokens : null;
    }

    private static List<int> Parse(string prompt, string[] vocabulary)
    {
        var ids = new List<int>();
        foreach (var word in prompt.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int id = Array.IndexOf(vocabulary, word);
            if (id < 0) throw new ArgumentException($"prompt token '{word}' is not in the task's vocabulary ({string.Join(' ', vocabulary)})");
            ids.Add(id);
        }
        return ids;
    }
}
