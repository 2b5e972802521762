using System.Globalization;
using System.Text.Json;
using HyenaIL.Layers;
using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary>Builds tasks from options, or from the settings a checkpoint stored.</summary>
public static class Tasks
{
    public const int DefaultTestExamples = TrainCommand.Recipe.TestExamples;

    public static ITask Create(string kind, string? text, int vocab, int sequenceLength, int trainExamples, ulong seed) => kind switch
    {
        "text" => new ByteText(text ?? throw new ArgumentException("--task text needs --text FILE"), sequenceLength, seed, maxEvalWindows: 256),
        _ => new AssociativeRecall(vocab, sequenceLength, trainExamples, DefaultTestExamples, seed),
    };

    public static TrainingState StateOf(string checkpoint)
    {
        var file = Checkpoint.Read(checkpoint);
        if (!file.Metadata.TryGetValue(Trainer.StateKey, out var json))
            throw new CheckpointException($"checkpoint {checkpoint} has no training state, so its task is unknown; give the task options");
        return JsonSerializer.Deserialize<TrainingState>(json) ?? throw new CheckpointException($"checkpoint {checkpoint}: empty training state");
    }

    /// <summary>The task a checkpoint was trained on, rebuilt from its stored settings (same data, same seed).</summary>
    public static ITask FromState(TrainingState state) => state.TaskSetting("task") switch
    {
        "text" => new ByteText(state.TaskSetting("text"), state.TaskInt("seq_len"), ulong.Parse(state.TaskSetting("data_seed"), CultureInfo.InvariantCulture), maxEvalWindows: 256),
        _ => new AssociativeRecall(state.TaskInt("vocab"), state.TaskInt("seq_len"), state.TaskInt("train_examples"), state.TaskInt("test_examples"),
            ulong.Parse(state.TaskSetting("data_seed"), CultureInfo.InvariantCulture)),
    };
}
