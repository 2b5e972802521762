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
            int count = p.GetValue(tokens), k = p.GetValue(topK);
            double t = p.GetValue(temperature);
            if (count < 0) throw new ArgumentException($"--tokens must be at least 0, got {count}");
            if (t < 0 || !double.IsFinite(t)) throw new ArgumentException($"--temperature must be a number of at least 0 (0: greedy), got {t}");
            if (k < 0) throw new ArgumentException($"--top-k must be at least 0 (0: all tokens), got {k}");
            using var dev = Devices.Open(p.GetValue(device));
            string path = p.GetValue(checkpoint)!, text = p.GetValue(prompt)!;
            var file = Checkpoint.Read(path);
            using var model = new LanguageModel(Checkpoint.ConfigOf(file), dev, 0);
            var load = Checkpoint.LoadInto(model, file);
            if (load.ConversionNote() is { Length: > 0 } note) Console.Error.WriteLine($"{path}: {note}");
            var recall = Tasks.RecallTokens(file);
            int vocab = model.Config.Vocab;
            if (recall is null && vocab < 256)
                throw new ArgumentException($"checkpoint {path} stores no associative-recall task, so the prompt is read as UTF-8 bytes, which needs a vocabulary of 256; the model's is {vocab}");
            var ids = recall is null ? Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToList() : Parse(text, recall);
            var output = Generator.Generate(model, ids, count, t, k, p.GetValue(seed)).ToList();
            int limit = recall?.Length ?? 256;
            if (output.FirstOrDefault(id => id >= limit, -1) is var bad and >= 0)
                throw new ArgumentException(recall is null
                    ? $"the model generated token id {bad}, which is not a byte: generate writes byte-level text, and this model's vocabulary is {vocab}"
                    : $"the model generated token id {bad}, which its task's {recall.Length} tokens ({string.Join(' ', recall)}) do not include: the model's vocabulary of {vocab} is larger than its task's");
            if (recall is null) Console.WriteLine(text + Encoding.UTF8.GetString(output.Select(id => (byte)id).ToArray()));
            else Console.WriteLine(text + " " + string.Join(' ', output.Select(id => recall[id])));
            return 0;
        });
        return command;
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
