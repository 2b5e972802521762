using System.CommandLine;
using System.Text.Json.Nodes;
using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary><c>hyena eval</c>: mean cross-entropy (nats per token), accuracy and, for text, bits per byte of a
/// checkpoint on its task's whole held-out set, or on a whole text file in consecutive windows. The task options
/// default to the settings the checkpoint stored; a checkpoint without them (a model only, e.g. a converted reference
/// checkpoint) is scored on associative recall with the model's vocabulary and l_max unless told otherwise.</summary>
public static class EvalCommand
{
    /// <summary>What <c>hyena eval</c> was asked to score, as given (null: not given).</summary>
    private sealed record Request(string? Task, string? Text, int? Vocab, int? SequenceLength, ulong? Seed, int BatchSize);

    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A safetensors checkpoint.", Required = true };
        var task = new Option<string?>("--task") { Description = "assoc-recall or text (default: the checkpoint's task, else assoc-recall)." }.AcceptOnly("assoc-recall", "text");
        var text = new Option<string?>("--text") { Description = "Score this whole file in consecutive windows of --seq-len bytes." };
        var vocab = new Option<int?>("--vocab") { Description = "Associative recall: vocabulary, counting the two special tokens (default: the checkpoint's task, else the model's)." };
        var seqLen = new Option<int?>("--seq-len") { Description = "Sequence (window) length (default: the checkpoint's task, else the model's l_max)." };
        var seed = new Option<ulong?>("--seed") { Description = "Associative recall: seed of the held-out examples (default: the checkpoint's, else 1)." };
        var batch = new Option<int>("--batch-size") { Description = "Sequences per batch.", DefaultValueFactory = _ => 16 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object." };
        var device = new Option<string?>("--device") { Description = $"Device: {DeviceSelector.KnownNames}." };
        var command = new Command("eval", "Score a checkpoint: cross-entropy, accuracy, bits per byte.") { checkpoint, task, text, vocab, seqLen, seed, batch, json, device };
        command.SetAction(p =>
        {
            bool asJson = p.GetValue(json);
            using var dev = asJson ? Device.Open(DeviceSelector.Resolve(p.GetValue(device)).Name) : Devices.Open(p.GetValue(device));
            string path = p.GetValue(checkpoint)!;
            var file = Checkpoint.Read(path);
            using var model = new LanguageModel(Checkpoint.ConfigOf(file), dev, 0);
            var load = Checkpoint.LoadInto(model, file);
            if (load.ConversionNote() is { Length: > 0 } note) Console.Error.WriteLine($"{path}: {note}");
            model.Eval();
            var request = new Request(p.GetValue(task), p.GetValue(text), p.GetValue(vocab), p.GetValue(seqLen), p.GetValue(seed), p.GetValue(batch));
            var (batches, what, isText) = Batches(file, model.Config, request);
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

    private static (IEnumerable<Batch> Batches, string What, bool IsText) Batches(CheckpointFile file, ModelConfig config, Request q)
    {
        if (q.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {q.BatchSize}");
        if (q.SequenceLength is { } given && (given < 1 || given > config.MaxLength))
            throw new ArgumentException($"--seq-len {given} is outside [1, {config.MaxLength}] (the model's l_max)");
        if (q.Text is not null) return WholeFile(config, q);
        var state = Tasks.StateOrNull(file);
        var stored = state is null ? null : new StoredTask(file.Path, state);
        string kind = q.Task ?? stored?.Kind ?? "assoc-recall";
        bool same = stored?.Kind == kind;
        if (kind == "text")
        {
            if (q.Vocab is not null) throw new ArgumentException($"--vocab is for --task assoc-recall; a text task's vocabulary is the 256 byte values, got --vocab {q.Vocab}");
            if (q.Seed is not null) throw new ArgumentException("--seed picks associative-recall examples; a text task's held-out set is the last 10% of its file, in order");
            if (!same) throw new ArgumentException($"--task text needs --text FILE: checkpoint {file.Path} was not trained on a text file it could name");
            var held = stored! with { State = state! with { Task = new(state.Task) { ["seq_len"] = Invariant(q.SequenceLength ?? stored.Int("seq_len")) } } };
            var t = (ByteText)Tasks.FromState(held, maxEvalWindows: 0);
            if (config.Vocab < t.Vocab) throw new ArgumentException($"the checkpoint's vocabulary is {config.Vocab}; byte-level text needs {t.Vocab}");
            return (t.EvalBatches(q.BatchSize), $"{t.Description}: every held-out window", true);
        }
        int vocab = q.Vocab ?? (same ? stored!.Int("vocab") : config.Vocab);
        int length = q.SequenceLength ?? (same ? stored!.Int("seq_len") : config.MaxLength);
        ulong seed = q.Seed ?? (same ? stored!.Seed : 1);
        int examples = same ? stored!.Int("test_examples") : Tasks.DefaultTestExamples;
        if (vocab > config.Vocab)
            throw new ArgumentException($"--vocab {vocab} is more than the model's vocabulary of {config.Vocab}");
        if (length > config.MaxLength)
            throw new ArgumentException($"the task's sequence length {length} exceeds the model's l_max {config.MaxLength}; give --seq-len");
        var task = new AssociativeRecall(vocab, length, trainExamples: 0, examples, seed);
        return (task.EvalBatches(q.BatchSize), $"associative recall, vocabulary {vocab}, length {length}: {examples} held-out examples (seed {seed})", false);
    }

    /// <summary>The whole of <c>--text</c> in consecutive windows.</summary>
    private static (IEnumerable<Batch> Batches, string What, bool IsText) WholeFile(ModelConfig config, Request q)
    {
        string text = q.Text!;
        if (q.Task == "assoc-recall") throw new ArgumentException("--text scores a file (--task text); it cannot be combined with --task assoc-recall");
        if (q.Vocab is not null) throw new ArgumentException($"--vocab is for --task assoc-recall; --text scores the file's bytes, got --vocab {q.Vocab}");
        if (q.Seed is not null) throw new ArgumentException("--seed picks associative-recall examples; --text scores the whole file in order");
        int l = q.SequenceLength ?? config.MaxLength;
        if (!File.Exists(text)) throw new FileNotFoundException($"text file {text} does not exist", text);
        var bytes = File.ReadAllBytes(text);
        if (bytes.Length < l + 1) throw new ArgumentException($"text file {text} has {bytes.Length} bytes; one window needs {l + 1}");
        if (config.Vocab < 256) throw new ArgumentException($"the checkpoint's vocabulary is {config.Vocab}; byte-level text needs 256");
        return (ByteText.Windows(bytes, l, q.BatchSize), $"{Path.GetFileName(text)} ({(bytes.Length - 1) / l} windows of {l})", true);
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
