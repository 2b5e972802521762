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
/// What a successful <see cref="Checkpoint.LoadInto(Module, CheckpointFile)"/> did besides copying float32 tensors.
/// </summary>
/// <param name="Converted">The model tensors the file stored in another float dtype, converted to float32 on load
/// (F16 and BF16 widen exactly; F64 is rounded to nearest), by name, with the stored dtype.</param>
/// <param name="AbsentAliases">Other names of shared tensors (the tied <c>lm_head.weight</c>, the Sin frequency at
/// <c>implicit_filter.3</c> and <c>.5</c>) that the file did not hold; each was loaded from a name it did hold.</param>
public sealed record CheckpointLoad(IReadOnlyList<(string Name, string DType)> Converted, IReadOnlyList<string> AbsentAliases)
{
    /// <summary>A line for the user naming the converted tensors ("" when none was).</summary>
    public string ConversionNote()
    {
        if (Converted.Count == 0) return "";
        var byDType = Converted.GroupBy(c => c.DType).Select(g =>
        {
            var names = g.Select(c => c.Name).ToList();
            string more = names.Count > 3 ? $" and {names.Count - 3} more" : "";
            return $"{g.Key}: {string.Join(", ", names.Take(3))}{more}";
        });
        return $"converted to float32 on load: {Converted.Count} tensor{(Converted.Count == 1 ? "" : "s")} ({string.Join("; ", byDType)})";
    }
}

/// <summary>
/// Saving and loading models as safetensors with the reference's parameter names. HyenaIL's own files carry the
/// model config in <c>__metadata__</c>; a file without it (a reference checkpoint converted to safetensors) has its
/// architecture inferred from names and shapes. Names under <see cref="ReservedPrefix"/> (optimizer state) are not
/// model tensors.
/// <para>
/// A saved file holds every key of the reference's <c>state_dict</c>: a shared tensor (the tied head, the Sin
/// frequency of the three filter activations) is written under each of its names, as a copy (safetensors does not
/// let two names share bytes), so the file converts back to a state_dict that a strict
/// <c>load_state_dict</c> accepts. The tied head makes the file V·D·4 bytes larger (174 MB for the 153M Pile model).
/// Loading accepts a file with or without those other names; where several are present they must hold the same
/// values.
/// </para>
/// <para>
/// Dtypes: model tensors are float32. A tensor stored as F16, BF16 or F64 (a PyTorch export in half precision, say)
/// is converted to float32 on load, and the load's <see cref="CheckpointLoad"/> lists it; a tensor of any other
/// dtype (integer, boolean, 8-bit float) is refused, naming the tensor, the expected and the stored dtype.
/// </para>
/// </summary>
public static class Checkpoint
{
    public const string ConfigKey = "hyenail.model_config";
    public const string FormatKey = "format";
    public const string ReservedPrefix = "optimizer.";

    /// <summary>Writes the model's tensors under every name they have (aliases as copies) and its config, plus
    /// <paramref name="extraTensors"/> and <paramref name="extraMetadata"/>, atomically.</summary>
    public static void Save(string path, LanguageModel model, IReadOnlyDictionary<string, string>? extraMetadata = null,
        IReadOnlyList<(string Name, Tensor Tensor)>? extraTensors = null)
    {
        var tensors = model.StateEntries().ToList();
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
    public static LanguageModel LoadModel(string path, Device device) => LoadModel(path, device, out _);

    /// <summary>Reads a checkpoint and builds the model it holds on <paramref name="device"/>; <paramref name="load"/>
    /// tells which tensors were converted to float32 and which alias names were absent.</summary>
    public static LanguageModel LoadModel(string path, Device device, out CheckpointLoad load)
    {
        var file = Read(path);
        var model = new LanguageModel(ConfigOf(file), device, 0);
        try
        {
            load = LoadInto(model, file);
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

    /// <summary>Reads the checkpoint at <paramref name="path"/> and copies it into <paramref name="model"/>; a file
    /// that cannot be read (truncated, corrupt) or does not fit changes nothing in the model.</summary>
    public static CheckpointLoad LoadInto(Module model, string path) => LoadInto(model, Read(path));

    /// <summary>
    /// Copies the file's tensors into <paramref name="model"/>. Every name, shape and dtype is checked first and all
    /// problems (missing keys, unexpected keys, wrong shapes, dtypes that are not float, aliases that differ from
    /// their primary) are reported in one <see cref="CheckpointException"/>; on any problem nothing in the model
    /// changes.
    /// </summary>
    public static CheckpointLoad LoadInto(Module model, CheckpointFile file)
    {
        var items = model.StateItems();
        var groups = items.GroupBy(e => e.Item, ReferenceEqualityComparer.Instance).ToList();
        var modelNames = items.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        var unexpected = file.Tensors.Keys.Where(n => !modelNames.Contains(n) && !n.StartsWith(ReservedPrefix, StringComparison.Ordinal)).ToList();
        if (unexpected.Count > 0) problems.Add($"unexpected keys: {string.Join(", ", unexpected.Order())}");
        var plan = new List<(object Item, StoredTensor Source)>();
        var missing = new List<string>();
        var absentAliases = new List<string>();
        foreach (var group in groups)
        {
            var names = group.Select(e => e.Name).ToList();
            var present = names.Where(file.Tensors.ContainsKey).Select(n => file.Tensors[n]).ToList();
            if (present.Count == 0)
            {
                missing.Add(names[0]);
                continue;
            }
            absentAliases.AddRange(names.Where(n => !file.Tensors.ContainsKey(n)));
            var target = TensorOf(group.Key!);
            problems.AddRange(ProblemsOf(present, target));
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
            if (item is BufferSlot slot) slot.MarkChanged();
        }
        var convertedNames = items.Where(e => file.Tensors.TryGetValue(e.Name, out var t) && t.IsConverted)
            .Select(e => (e.Name, file.Tensors[e.Name].DType)).ToList();
        return new CheckpointLoad(convertedNames, absentAliases);
    }

    /// <summary>What is wrong with the file's tensors <paramref name="present"/> (one model tensor's names that the
    /// file holds) for <paramref name="target"/>: a dtype that is not float, a shape that differs, or names of one
    /// tensor holding different values.</summary>
    private static IEnumerable<string> ProblemsOf(IReadOnlyList<StoredTensor> present, Tensor target)
    {
        foreach (var p in present)
        {
            if (!p.IsFloat)
                yield return $"{p.Name}: dtype {p.DType} in the file, F32 expected (F16, BF16 and F64 are converted)";
            if (p.Shape != target.Shape)
                yield return $"{p.Name}: shape {p.Shape} in the file, {target.Shape} in the model";
        }
        var first = present[0];
        for (int i = 1; i < present.Count; i++)
        {
            var other = present[i];
            if (!first.IsFloat || !other.IsFloat || other.Shape != first.Shape) continue;
            var a = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(first.Data.AsSpan());
            var b = System.Runtime.InteropServices.MemoryMarshal.Cast<float, int>(other.Data.AsSpan());
            int at = a.CommonPrefixLength(b);
            if (at < a.Length)
                yield return $"{first.Name} and {other.Name} are one tensor in the model but differ in the file " +
                             $"(element {at}: {first.Data[at]:R} and {other.Data[at]:R})";
        }
    }

    private static Tensor TensorOf(object item) => item switch
    {
        Parameter p => p.Value,
        BufferSlot b => b.Value,
        _ => throw new InvalidOperationException("unexpected state item"),
    };
}
