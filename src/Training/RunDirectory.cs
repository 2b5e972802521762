using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HyenaIL.Layers;

namespace HyenaIL.Training;

/// <summary>
/// A run's folder: <c>config.json</c> (model, training options, task), <c>metrics.jsonl</c> (one line per logged
/// step), <c>checkpoint.safetensors</c> (the latest checkpoint, replaced atomically) and <c>summary.json</c>.
/// Opening it removes the temporary files a killed checkpoint write leaves (<c>.checkpoint.safetensors.{guid}.tmp</c>);
/// resuming trims <c>metrics.jsonl</c> back to the checkpoint's step (<see cref="KeepMetricsUpTo"/>).
/// </summary>
public sealed class RunDirectory
{
    public const string MetricsFileName = "metrics.jsonl";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The temporary name <see cref="SafeTensors"/> writes a checkpoint under before renaming it:
    /// <c>.checkpoint.safetensors.</c>, a GUID as 32 lower-case hex digits, <c>.tmp</c>.</summary>
    private static readonly Regex StaleCheckpoint = new(
        "^" + Regex.Escape("." + Trainer.CheckpointFileName + ".") + "[0-9a-f]{32}" + Regex.Escape(".tmp") + "$", RegexOptions.CultureInvariant);

    public RunDirectory(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
        RemovedTemporaryFiles = RemoveStaleCheckpointWrites();
    }

    public string Path { get; }

    /// <summary>The names of the stale checkpoint temporaries removed when the folder was opened.</summary>
    public IReadOnlyList<string> RemovedTemporaryFiles { get; }

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
        File.AppendAllText(System.IO.Path.Combine(Path, MetricsFileName), line.ToJsonString() + "\n");
    }

    /// <summary>
    /// Makes <c>metrics.jsonl</c> describe a run that stopped after <paramref name="step"/>, before a resumed run
    /// appends to it: drops a line a kill tore (one that is not a complete JSON object) and every line logged after
    /// <paramref name="step"/> (the resumed run logs those steps again), so that each logged step keeps one line.
    /// Lines of other shapes are kept. The file is rewritten atomically, and only when that changes it.
    /// Returns the number of lines dropped.
    /// </summary>
    public int KeepMetricsUpTo(long step)
    {
        string path = System.IO.Path.Combine(Path, MetricsFileName);
        if (!File.Exists(path)) return 0;
        string text = File.ReadAllText(path, Encoding.UTF8);
        var kept = new StringBuilder(text.Length);
        int dropped = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            var node = Parse(line);                                    // null: torn by a kill
            if (node is not null && !(StepOf(node) > step)) kept.Append(line).Append('\n');
            else dropped++;
        }
        if (dropped > 0 || kept.Length != text.Length) WriteAtomically(MetricsFileName, kept.ToString());
        return dropped;
    }

    private static JsonNode? Parse(string line)
    {
        try
        {
            return JsonNode.Parse(line);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The step of a metrics line; null for a JSON value without an integer "step" (kept as it is).</summary>
    private static long? StepOf(JsonNode node) =>
        node is JsonObject o && o["step"] is JsonValue v && v.TryGetValue(out long s) ? s : null;

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

    /// <summary>Writes <paramref name="name"/> through a temporary file flushed to disk and renamed over it, so a
    /// kill leaves either the old file or the new one.</summary>
    private void WriteAtomically(string name, string text)
    {
        string target = System.IO.Path.Combine(Path, name), temp = target + ".tmp";
        using (var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            fs.Write(Encoding.UTF8.GetBytes(text));
            fs.Flush(flushToDisk: true);
        }
        File.Move(temp, target, overwrite: true);
    }

    private List<string> RemoveStaleCheckpointWrites()
    {
        var removed = new List<string>();
        foreach (var file in Directory.EnumerateFiles(Path))
        {
            string name = System.IO.Path.GetFileName(file);
            if (!StaleCheckpoint.IsMatch(name)) continue;
            try
            {
                File.Delete(file);
                removed.Add(name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the next opening: a leftover temporary costs disk space, not correctness.
            }
        }
        return removed;
    }
}
