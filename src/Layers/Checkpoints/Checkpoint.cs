using System.Text.Json;

namespace HyenaIL.Layers;

/// <summary>A checkpoint read from disk: its tensors by name and its metadata.</summary>
public sealed class CheckpointFile
{
    internal CheckpointFile(string path, IReadOnlyList<StoredTensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        Tensors = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        Metadata = metadata;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, StoredTensor> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }
}

/// <summary>
/// Saving and loading models as safetensors with the reference's parameter names. HyenaIL's own files carry the
/// model config in <c>__metadata__</c>; a file without it (a reference checkpoint converted to safetensors) has its
/// architecture inferred from names and shapes. Names under <see cref="ReservedPrefix"/> (optimizer state) are not
/// model tensors.
/// </summary>
public static class Checkpoint
{
    public const string ConfigKey = "hyenail.model_config";
    public const string FormatKey = "format";
    public const string ReservedPrefix = "optimizer.";

    /// <summary>Writes the model's tensors (each shared tensor once, under its first name) and its config, plus
    /// <paramref name="extraTensors"/> and <paramref name="extraMetadata"/>, atomically.</summary>
    public static void Save(string path, LanguageModel model, IReadOnlyDictionary<string, string>? extraMetadata = null,
        IReadOnlyList<(string Name, Tensor Tensor)>? extraTensors = null)
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var tensors = model.StateEntries().Where(e => seen.Add(e.Tensor)).ToList();
        if (extraTensors is not null) tensors.AddRange(extraTensors);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [FormatKey] = "hyenail",
            [ConfigKey] = model.Config.ToJson(),
        };
        if (extraMetadata is not null)
            foreach (var (k, v) in extraMetadata) metadata[k] = v;
        SafeTensors.Write(path, tensors, metadata);
    }

    public static CheckpointFile Read(string path)
    {
        var (tensors, metadata) = SafeTensors.Read(path);
        return new CheckpointFile(path, tensors, metadata);
    }

    /// <summary>Reads a checkpoint and builds the model it holds on <paramref name="device"/>.</summary>
    public static LanguageModel LoadModel(string path, Device device)
    {
        var file = Read(path);
        var model = new LanguageModel(ConfigOf(file), device, 0);
        try
        {
            LoadInto(model, file);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The model config stored in the file, or inferred from its tensor names and shapes.</summary>
    public static ModelConfig ConfigOf(CheckpointFile file)
    {
        if (file.Metadata.TryGetValue(ConfigKey, out var json))
        {
            try
            {
                return ModelConfig.FromJson(json);
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                throw new CheckpointException($"checkpoint {file.Path}: its model config is invalid: {e.Message}");
            }
        }
        return ArchitectureInference.Infer(file);
    }

    /// <summary>
    /// Copies the file's tensors into <paramref name="model"/>. Every name, shape and dtype is checked first and all
    /// problems (missing keys, unexpected keys, wrong shapes) are reported in one <see cref="CheckpointException"/>;
    /// on any problem nothing in the model changes.
    /// </summary>
    public static void LoadInto(Module model, CheckpointFile file)
    {
        var items = model.StateItems();
        var groups = items.GroupBy(e => e.Item, ReferenceEqualityComparer.Instance).ToList();
        var modelNames = items.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        var unexpected = file.Tensors.Keys.Where(n => !modelNames.Contains(n) && !n.StartsWith(ReservedPrefix, StringComparison.Ordinal)).ToList();
        if (unexpected.Count > 0) problems.Add($"unexpected keys: {string.Join(", ", unexpected.Order())}");
        var plan = new List<(object Item, StoredTensor Source)>();
        var missing = new List<string>();
        foreach (var group in groups)
        {
            var names = group.Select(e => e.Name).ToList();
            var present = names.Where(file.Tensors.ContainsKey).Select(n => file.Tensors[n]).ToList();
            if (present.Count == 0)
            {
                missing.Add(names[0]);
                continue;
            }
            var target = TensorOf(group.Key!);
            foreach (var p in present)
                if (p.Shape != target.Shape)
                    problems.Add($"{p.Name}: shape {p.Shape} in the file, {target.Shape} in the model");
            for (int i = 1; i < present.Count; i++)
                if (present[i].Shape == present[0].Shape && !present[i].Data.AsSpan().SequenceEqual(present[0].Data))
                    problems.Add($"{present[0].Name} and {present[i].Name} are one tensor in the model but differ in the file");
            plan.Add((group.Key!, present[0]));
        }
        if (missing.Count > 0) problems.Insert(0, $"missing keys: {string.Join(", ", missing)}");
        if (problems.Count > 0)
            throw new CheckpointException($"checkpoint {file.Path} does not fit this model: {string.Join("; ", problems)}");
        foreach (var (item, source) in plan)
        {
            var target = TensorOf(item);
            using var host = Tensor.FromArray(source.Data, target.Shape, Device.Cpu);
            using var converted = target.DType == DType.Float32 ? null : host.ToDType(target.DType);
            target.CopyFrom(converted ?? host);
        }
    }

    private static Tensor TensorOf(object item) => item switch
    {
        Parameter p => p.Value,
        BufferSlot b => b.Value,
        _ => throw new InvalidOperationException("unexpected state item"),
    };
}
