using System.Globalization;
using System.Text.Json;
using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary>Builds tasks from options, or from the settings a checkpoint stored.</summary>
public static class Tasks
{
    public const int DefaultTestExamples = TrainCommand.Recipe.TestExamples;

    /// <summary>Evaluations during training score at most this many held-out text windows, so that they stay cheap
    /// next to the training steps; <c>hyena eval</c> scores them all.</summary>
    public const int TrainEvalWindows = 256;

    public static ITask Create(string kind, string? text, int vocab, int sequenceLength, int trainExamples, ulong seed) => kind switch
    {
        "text" => new ByteText(text ?? throw new ArgumentException("--task text needs --text FILE"), sequenceLength, seed, TrainEvalWindows),
        _ => new AssociativeRecall(vocab, sequenceLength, trainExamples, DefaultTestExamples, seed),
    };

    /// <summary>The training state a checkpoint stores, or null for a checkpoint that holds a model only.</summary>
    public static TrainingState? StateOrNull(CheckpointFile file)
    {
        if (!file.Metadata.TryGetValue(Trainer.StateKey, out var json)) return null;
        TrainingState? state;
        try
        {
            state = JsonSerializer.Deserialize<TrainingState>(json);
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"checkpoint {file.Path}: its training state is not valid JSON (corrupt): {e.Message}");
        }
        if (state?.Options is null || state.Task is null)
            throw new CheckpointException($"checkpoint {file.Path}: its training state lacks the training options or the task settings (corrupt)");
        try
        {
            state.Options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointException($"checkpoint {file.Path}: its stored {e.Message} (corrupt)");
        }
        return state;
    }

    public static TrainingState StateOf(CheckpointFile file) => StateOrNull(file)
        ?? throw new CheckpointException($"checkpoint {file.Path} has no training state (it holds a model only), so its task is unknown");

    /// <summary>The task a checkpoint was trained on, rebuilt from its stored settings (same data, same seed); a text
    /// task scores at most <paramref name="maxEvalWindows"/> held-out windows (0: all).</summary>
    public static ITask FromState(StoredTask t, int maxEvalWindows) => t.Kind switch
    {
        "text" => new ByteText(t.Get("text"), t.Int("seq_len"), t.Seed, maxEvalWindows),
        _ => new AssociativeRecall(t.Int("vocab"), t.Int("seq_len"), t.Int("train_examples"), t.Int("test_examples"), t.Seed),
    };

    /// <summary>The token strings, by id, of the associative-recall task a checkpoint was trained on; null for a
    /// checkpoint of another task or with no training state.</summary>
    public static string[]? RecallTokens(CheckpointFile file) => StateOrNull(file) is { } state && new StoredTask(file.Path, state) is { Kind: "assoc-recall" } t
        ? new AssociativeRecall(t.Int("vocab"), sequenceLength: 4, trainExamples: 0, testExamples: 1, seed: 0).Tokens
        : null;
}

/// <summary>A checkpoint's stored task settings, read with errors that name the file.</summary>
public sealed record StoredTask(string Checkpoint, TrainingState State)
{
    /// <summary>assoc-recall or text.</summary>
    public string Kind => Get("task") is ("assoc-recall" or "text") and var kind ? kind
        : throw new CheckpointException($"checkpoint {Checkpoint}: its task '{Get("task")}' is unknown; expected assoc-recall or text (corrupt)");

    public string Get(string key) => State.Task.TryGetValue(key, out var v) ? v
        : throw new CheckpointException($"checkpoint {Checkpoint}: its task settings lack '{key}' (corrupt)");

    public int Int(string key) => int.TryParse(Get(key), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) ? v : throw NotANumber(key);

    /// <summary>The seed of the task's data (examples, windows).</summary>
    public ulong Seed => ulong.TryParse(Get("data_seed"), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw NotANumber("data_seed");

    private CheckpointException NotANumber(string key) => new($"checkpoint {Checkpoint}: its task setting '{key}' is '{Get(key)}', not an integer (corrupt)");
}
