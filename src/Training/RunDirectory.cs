using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HyenaIL.Layers;

namespace HyenaIL.Training;

/// <summary>
/// A run's folder: <c>config.json</c> (model, training options, task), <c>metrics.jsonl</c> (one line per logged
/// step), <c>checkpoint.safetensors</c> (the latest checkpoint, replaced atomically) and <c>summary.json</c>.
/// </summary>
public sealed class RunDirectory
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public RunDirectory(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void WriteConfig(ModelConfig model, TrainingOptions options, ITask task)
    {
        var json = new JsonObject
        {
            ["model"] = JsonNode.Parse(model.ToJson()),
            ["training"] = JsonNode.Parse(JsonSerializer.Serialize(options)),
            ["task"] = JsonNode.Parse(JsonSerializer.Serialize(task.Describe())),
            ["description"] = task.Description,
        };
        WriteAtomically("config.json", json.ToJsonString(Indented));
    }

    public void AppendMetrics(TrainingProgress p)
    {
        var line = new JsonObject
        {
            ["step"] = p.Step,
            ["loss"] = Round(p.Loss),
            ["accuracy"] = Round(p.Accuracy),
            ["lr"] = p.LearningRate,
            ["grad_norm"] = Round(p.GradNorm),
            ["tokens_per_s"] = Math.Round(p.TokensPerSecond, 1),
            ["elapsed_s"] = Math.Round(p.Elapsed.TotalSeconds, 3),
        };
        if (p.Eval is { } e)
        {
            line["eval_loss"] = Round(e.Loss);
            line["eval_accuracy"] = Round(e.Accuracy);
        }
        File.AppendAllText(System.IO.Path.Combine(Path, "metrics.jsonl"), line.ToJsonString() + "\n");
    }

    public void WriteSummary(TrainingSummary s)
    {
        var json = new JsonObject
        {
            ["reason"] = s.Reason.ToString(),
            ["steps"] = s.Steps,
            ["final_loss"] = Round(s.FinalLoss),
            ["eval_loss"] = s.FinalEval is null ? null : Round(s.FinalEval.Loss),
            ["eval_accuracy"] = s.FinalEval is null ? null : Round(s.FinalEval.Accuracy),
            ["elapsed_s"] = Math.Round(s.Elapsed.TotalSeconds, 3),
            ["tokens_per_s"] = Math.Round(s.TokensPerSecond, 1),
            ["message"] = s.Message,
        };
        WriteAtomically("summary.json", json.ToJsonString(Indented));
    }

    private static JsonNode? Round(double v) => double.IsFinite(v) ? JsonValue.Create(Math.Round(v, 6)) : JsonValue.Create(v.ToString(CultureInfo.InvariantCulture));

    private void WriteAtomically(string name, string text)
    {
        string target = System.IO.Path.Combine(Path, name), temp = target + ".tmp";
        File.WriteAllText(temp, text);
        File.Move(temp, target, overwrite: true);
    }
}
