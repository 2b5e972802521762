using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using HyenaIL.Autograd;
using HyenaIL.Layers;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>A temporary folder for checkpoint files and the helpers both checkpoint test classes use.</summary>
public abstract class CheckpointTestBase(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device), IDisposable
{
    protected string Dir { get; } = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "hyenail-ckpt-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose()
    {
        Directory.Delete(Dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Two layers, D = 8, l_max = 16: small enough for ilgpu-cpu.</summary>
    protected static ModelConfig Config(int width = 8) => new()
    {
        Vocab = 11, Width = width, Layers = 2, InnerWidth = 16, MaxLength = 16, PositionalDims = 5, FilterWidth = 8, EmbedDropout = 0,
    };

    protected string PathOf(string name) => Path.Combine(Dir, name);

    protected static float[] Logits(LanguageModel model)
    {
        using var ids = Tensor.FromArray(RandomData.Ints(1, 2 * 9, 11), Shape.Of(2, 9), model.Device);
        using var graph = new Graph(recordGradients: false);
        return model.Forward(graph.Input(ids)).Value.ToFloatArray();
    }

    /// <summary>Every tensor (parameters and buffers, by every name) as raw float32 bits, for bit-for-bit comparisons.</summary>
    protected static Dictionary<string, int[]> Bits(Module m) =>
        m.StateEntries().ToDictionary(e => e.Name, e => Array.ConvertAll(e.Tensor.ToFloatArray(), BitConverter.SingleToInt32Bits));

    protected static void AssertSameBits(Dictionary<string, int[]> expected, Dictionary<string, int[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, bits) in expected)
            Assert.True(bits.AsSpan().SequenceEqual(actual[name]), $"{name} changed");
    }
}

public sealed class CheckpointTests(DeviceFixture fixture) : CheckpointTestBase(fixture, "cpu")
{
    private static readonly string[] Aliases =
    [
        "lm_head.weight",
        "backbone.layers.0.mixer.filter_fn.implicit_filter.3.freq", "backbone.layers.0.mixer.filter_fn.implicit_filter.5.freq",
        "backbone.layers.1.mixer.filter_fn.implicit_filter.3.freq", "backbone.layers.1.mixer.filter_fn.implicit_filter.5.freq",
    ];

    /// <summary>A safetensors file written byte by byte, for dtypes HyenaIL never writes.</summary>
    private static void WriteRaw(string path, IEnumerable<(string Name, string DType, Shape Shape, byte[] Bytes)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var header = new JsonObject();
        var meta = new JsonObject();
        foreach (var (k, v) in metadata) meta[k] = v;
        header["__metadata__"] = meta;
        var data = new MemoryStream();
        foreach (var (name, dtype, shape, bytes) in tensors)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(data.Length, data.Length + bytes.Length),
            };
            data.Write(bytes);
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var fs = File.Create(path);
        fs.Write(BitConverter.GetBytes((ulong)json.Length));
        fs.Write(json);
        fs.Write(data.ToArray());
    }

    private static byte[] F32(float[] x) => MemoryMarshal.AsBytes(x.AsSpan()).ToArray();

    private static byte[] F64(float[] x) => MemoryMarshal.AsBytes(Array.ConvertAll(x, v => (double)v).AsSpan()).ToArray();

    private static byte[] F16(float[] x) => MemoryMarshal.AsBytes(Array.ConvertAll(x, v => (Half)v).AsSpan()).ToArray();

    /// <summary>bfloat16 as PyTorch stores it: the top 16 bits of the float32 (here truncated, so the exact value is known).</summary>
    private static byte[] Bf16(float[] x) => MemoryMarshal.AsBytes(Array.ConvertAll(x, v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).AsSpan()).ToArray();

    private static float Bf16Value(float v) => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000u);

    private static Dictionary<string, string> MetadataOf(LanguageModel m) => new() { [Checkpoint.ConfigKey] = m.Config.ToJson() };

    [Fact]
    public void ATruncatedFileIsNamedAndChangesNothingInALiveModel()
    {
        string path = PathOf("t.safetensors");
        using (var a = new LanguageModel(Config(), Device, 5)) Checkpoint.Save(path, a);
        using var live = new LanguageModel(Config(), Device, 6);
        var before = Bits(live);
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(live, path));
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Contains("data section has", e.Message);
        AssertSameBits(before, Bits(live));

        File.WriteAllBytes(path, bytes[..5]);
        var e2 = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(live, path));
        Assert.Contains(path, e2.Message);
        Assert.Contains("5 bytes is too short", e2.Message);
        AssertSameBits(before, Bits(live));
    }

    [Fact]
    public void ACorruptHeaderIsNamedAndChangesNothingInALiveModel()
    {
        string path = PathOf("c.safetensors");
        using (var a = new LanguageModel(Config(), Device, 5)) Checkpoint.Save(path, a);
        using var live = new LanguageModel(Config(), Device, 6);
        var before = Bits(live);
        var bytes = File.ReadAllBytes(path);

        var broken = (byte[])bytes.Clone();
        broken[8] = (byte)'#'; // the header's opening brace
        File.WriteAllBytes(path, broken);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(live, path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not valid JSON", e.Message);
        AssertSameBits(before, Bits(live));

        BitConverter.GetBytes((ulong)1 << 40).CopyTo(broken, 0);
        File.WriteAllBytes(path, broken);
        var e2 = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(live, path));
        Assert.Contains(path, e2.Message);
        Assert.Contains("header claims 1099511627776 bytes", e2.Message);
        AssertSameBits(before, Bits(live));

        // A header that parses but whose offsets disagree with the shapes: the last tensor claims 4 bytes too many.
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0));
        var node = JsonNode.Parse(header)!.AsObject();
        var last = node.Where(kv => kv.Key != "__metadata__").MaxBy(kv => kv.Value!["data_offsets"]![1]!.GetValue<long>());
        var offsets = last.Value!["data_offsets"]!.AsArray();
        offsets[0] = offsets[0]!.GetValue<long>() - 4;
        var json = Encoding.UTF8.GetBytes(node.ToJsonString());
        File.WriteAllBytes(path, BitConverter.GetBytes((ulong)json.Length).Concat(json).Concat(bytes.Skip(8 + header.Length)).ToArray());
        var e3 = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(live, path));
        Assert.Contains(path, e3.Message);
        Assert.Contains($"tensor '{last.Key}'", e3.Message);
        Assert.Contains("corrupt", e3.Message);
        AssertSameBits(before, Bits(live));
    }

    [Fact]
    public void AWrongShapeOrMissingAndUnexpectedKeysAreReportedTogetherAndChangeNothing()
    {
        string path = PathOf("w.safetensors");
        using (var wide = new LanguageModel(Config(width: 12), Device, 5)) Checkpoint.Save(path, wide);
        using var model = new LanguageModel(Config(), Device, 6);
        var before = Bits(model);
        var file = Checkpoint.Read(path);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(model, file));
        Assert.Contains("backbone.embeddings.word_embeddings.weight: shape (11, 12) in the file, (11, 8) in the model", e.Message);
        AssertSameBits(before, Bits(model));

        using var deeper = new LanguageModel(Config() with { Layers = 3 }, Device, 7);
        string small = PathOf("s.safetensors");
        Checkpoint.Save(small, model);
        var e2 = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(deeper, small));
        Assert.Contains("missing keys: backbone.layers.2.", e2.Message);
        string deep = PathOf("d.safetensors");
        Checkpoint.Save(deep, deeper);
        var e3 = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(model, deep));
        Assert.Contains("unexpected keys: backbone.layers.2.", e3.Message);
        AssertSameBits(before, Bits(model));
    }

    [Fact]
    public void SavedFilesHoldEveryStateDictNameWithAliasesAsCopiesOfTheirPrimary()
    {
        // A strict torch load_state_dict wants every key of the reference's state_dict, the tied head and the Sin
        // frequency at implicit_filter.3 and .5 included.
        string path = PathOf("all.safetensors");
        using var model = new LanguageModel(Config(), Device, 5);
        Checkpoint.Save(path, model);
        var file = Checkpoint.Read(path);
        var stateDict = model.StateEntries().Select(e => e.Name).Order().ToList();
        Assert.Equal(stateDict, file.Tensors.Keys.Order());
        Assert.All(Aliases, a => Assert.Contains(a, file.Tensors.Keys));
        Assert.Equal(file.Tensors["backbone.embeddings.word_embeddings.weight"].Data, file.Tensors["lm_head.weight"].Data);
        string f = "backbone.layers.1.mixer.filter_fn.implicit_filter.";
        Assert.Equal(file.Tensors[f + "1.freq"].Data, file.Tensors[f + "5.freq"].Data);
        Assert.All(file.Tensors.Values, t => Assert.Equal("F32", t.DType));

        using var loaded = Checkpoint.LoadModel(path, Device, out var load);
        Assert.Empty(load.AbsentAliases);
        Assert.Empty(load.Converted);
        Assert.Equal("", load.ConversionNote());
        AssertSameBits(Bits(model), Bits(loaded));
    }

    [Fact]
    public void FilesWithoutAliasesOrHoldingOnlyTheAliasLoadAndSayWhichNamesWereAbsent()
    {
        using var model = new LanguageModel(Config(), Device, 5);
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var primaries = model.StateEntries().Where(e => seen.Add(e.Tensor)).ToList();     // HyenaIL's files before aliases were written
        string path = PathOf("noalias.safetensors");
        SafeTensors.Write(path, primaries, MetadataOf(model));
        using var loaded = Checkpoint.LoadModel(path, Device, out var load);
        Assert.Equal(Aliases.Order(), load.AbsentAliases.Order());
        AssertSameBits(Bits(model), Bits(loaded));
        Assert.Equal(Logits(model), Logits(loaded));

        // Only the head's name for the tied table: it is loaded from there.
        var headOnly = model.StateEntries().Where(e => e.Name != "backbone.embeddings.word_embeddings.weight").ToList();
        string head = PathOf("head.safetensors");
        SafeTensors.Write(head, headOnly, MetadataOf(model));
        using var fromHead = new LanguageModel(Config(), Device, 8);
        var headLoad = Checkpoint.LoadInto(fromHead, head);
        Assert.Equal(new[] { "backbone.embeddings.word_embeddings.weight" }, headLoad.AbsentAliases);
        AssertSameBits(Bits(model), Bits(fromHead));
    }

    [Theory]
    [InlineData("lm_head.weight", "backbone.embeddings.word_embeddings.weight")]
    [InlineData("backbone.layers.1.mixer.filter_fn.implicit_filter.5.freq", "backbone.layers.1.mixer.filter_fn.implicit_filter.1.freq")]
    public void AliasesThatDisagreeWithTheirPrimaryAreRefusedAndChangeNothing(string alias, string primary)
    {
        using var source = new LanguageModel(Config(), Device, 9);
        var entries = source.StateEntries().ToList();
        int at = entries.FindIndex(e => e.Name == alias);
        var changed = entries[at].Tensor.ToFloatArray();
        changed[^1] += 0.5f;
        using var other = Tensor.FromArray(changed, entries[at].Tensor.Shape, Device);
        entries[at] = (alias, other);
        string path = PathOf("tied.safetensors");
        SafeTensors.Write(path, entries, MetadataOf(source));
        using var live = new LanguageModel(Config(), Device, 10);
        var before = Bits(live);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(live, path));
        Assert.Contains(path, e.Message);
        Assert.Contains($"{primary} and {alias} are one tensor in the model but differ in the file (element {changed.Length - 1}:", e.Message);
        AssertSameBits(before, Bits(live));
    }

    [Fact]
    public void AnIntegerTensorIsRefusedNamingTheTensorTheExpectedAndTheStoredDtype()
    {
        using var source = new LanguageModel(Config(), Device, 5);
        string bad = "backbone.ln_f.bias";
        var tensors = source.StateEntries().Select(e => e.Name == bad
            ? (e.Name, "I32", e.Tensor.Shape, MemoryMarshal.AsBytes(new int[e.Tensor.Size].AsSpan()).ToArray())
            : (e.Name, "F32", e.Tensor.Shape, F32(e.Tensor.ToFloatArray())));
        string path = PathOf("int.safetensors");
        WriteRaw(path, tensors, MetadataOf(source));

        var file = Checkpoint.Read(path); // the file itself is valid safetensors
        Assert.False(file.Tensors[bad].IsFloat);
        Assert.Contains("dtype I32", Assert.Throws<InvalidOperationException>(() => file.Tensors[bad].Data).Message);
        using var live = new LanguageModel(Config(), Device, 6);
        var before = Bits(live);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(live, file));
        Assert.Contains(path, e.Message);
        Assert.Contains($"{bad}: dtype I32 in the file, F32 expected (F16, BF16 and F64 are converted)", e.Message);
        AssertSameBits(before, Bits(live));
        Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, Device));

        // A dtype that safetensors does not define cannot even be sized: the file is refused as it is read.
        WriteRaw(path, [("x", "Q7", Shape.Of(2), new byte[8])], new Dictionary<string, string>());
        var e2 = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(live, path));
        Assert.Contains("tensor 'x' has dtype 'Q7', which is not a safetensors dtype", e2.Message);
    }

    [Fact]
    public void HalfBfloat16AndDoubleTensorsAreConvertedToFloat32AndListed()
    {
        // As a PyTorch export in mixed precision: the embedding (and its tied head) in BF16, ln_f.weight in F16, the
        // rest in F64. F64 holds float32 values exactly; F16 and BF16 round them, to known values.
        using var source = new LanguageModel(Config(), Device, 5);
        string emb = "backbone.embeddings.word_embeddings.weight", head = "lm_head.weight", norm = "backbone.ln_f.weight";
        string Dtype(string name) => name == emb || name == head ? "BF16" : name == norm ? "F16" : "F64";
        var tensors = source.StateEntries().Select(e => (e.Name, Dtype(e.Name), e.Tensor.Shape, Dtype(e.Name) switch
        {
            "BF16" => Bf16(e.Tensor.ToFloatArray()),
            "F16" => F16(e.Tensor.ToFloatArray()),
            _ => F64(e.Tensor.ToFloatArray()),
        }));
        string path = PathOf("mixed.safetensors");
        WriteRaw(path, tensors, MetadataOf(source));

        using var loaded = Checkpoint.LoadModel(path, Device, out var load);
        var expected = Bits(source);
        expected[emb] = expected[head] = Array.ConvertAll(source.Backbone.Embeddings.Words.Weight.Value.ToFloatArray(), v => BitConverter.SingleToInt32Bits(Bf16Value(v)));
        expected[norm] = Array.ConvertAll(source.StateEntries().Single(e => e.Name == norm).Tensor.ToFloatArray(), v => BitConverter.SingleToInt32Bits((float)(Half)v));
        AssertSameBits(expected, Bits(loaded));
        Assert.Equal(source.StateEntries().Count, load.Converted.Count);
        Assert.Contains((emb, "BF16"), load.Converted);
        Assert.Contains((head, "BF16"), load.Converted);
        Assert.Contains((norm, "F16"), load.Converted);
        string note = load.ConversionNote();
        Assert.StartsWith($"converted to float32 on load: {load.Converted.Count} tensors (", note);
        Assert.Contains($"BF16: {emb}, {head}", note);
        Assert.Contains($"F16: {norm}", note);
        Assert.Contains(" more", note);
    }

    [Fact]
    public void AReferenceCheckpointWithoutConfigLoadsByItsNamesAndShapes()
    {
        // As the reference's state_dict converted to safetensors: every name (the tied head and the three Sin
        // names included), no HyenaIL metadata.
        using var source = new LanguageModel(Config() with { Order = 3, MaxLength = 20 }, Device, 9);
        string path = PathOf("ref.safetensors");
        SafeTensors.Write(path, source.StateEntries(), new Dictionary<string, string> { ["format"] = "pt" });
        using var loaded = Checkpoint.LoadModel(path, Device);
        Assert.Equal(3, loaded.Config.Order);
        Assert.Equal(20, loaded.Config.MaxLength);
        Assert.Equal(8, loaded.Config.Width);
        Assert.Equal(16, loaded.Config.InnerWidth);
        Assert.Equal(Logits(source), Logits(loaded));
    }

    [Fact]
    public void AFailedWriteLeavesThePreviousFileIntactAndNoTemporaryFile()
    {
        string path = PathOf("keep.safetensors");
        using var model = new LanguageModel(Config(), Device, 3);
        Checkpoint.Save(path, model);
        var original = File.ReadAllBytes(path);
        var disposed = Tensor.Zeros(Shape.Of(4), Device);
        disposed.Dispose();
        Assert.ThrowsAny<ObjectDisposedException>(() => SafeTensors.Write(path, [("a", model.StateEntries()[0].Tensor), ("b", disposed)], new Dictionary<string, string>()));
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.DoesNotContain(Directory.GetFiles(Dir), f => f != path);
    }

    [Fact]
    public void HalfPrecisionAndBfloat16TensorsAreReadAsFloat32()
    {
        string path = PathOf("h.safetensors");
        WriteRaw(path, [("a", "F16", Shape.Of(2), F16([1.5f, -2f])), ("b", "BF16", Shape.Of(1), Bf16([3.25f]))], new Dictionary<string, string>());
        var (tensors, _) = SafeTensors.Read(path);
        Assert.Equal(new[] { 1.5f, -2f }, tensors[0].Data);
        Assert.Equal(new[] { 3.25f }, tensors[1].Data);
        Assert.True(tensors[0].IsConverted && tensors[1].IsConverted);
    }
}

/// <summary>Save and load on each device: a model saved from the device comes back bit for bit, on that device and
/// on the cpu, and a failed load leaves a live model on the device as it was.</summary>
public abstract class CheckpointDeviceTests(DeviceFixture fixture, string device) : CheckpointTestBase(fixture, device)
{
    [Fact]
    public void ASaveLoadRoundTripKeepsEveryTensorAndTheLogitsBitForBit()
    {
        string path = PathOf("m.safetensors");
        using var a = new LanguageModel(Config(), Device, 5);
        Checkpoint.Save(path, a, new Dictionary<string, string> { ["note"] = "hello" });
        using var b = Checkpoint.LoadModel(path, Device);
        Assert.Equal(a.Config, b.Config);
        AssertSameBits(Bits(a), Bits(b));
        Assert.Equal(Logits(a), Logits(b));
        using var onCpu = Checkpoint.LoadModel(path, Cpu);
        AssertSameBits(Bits(a), Bits(onCpu));
        Assert.Equal("hello", Checkpoint.Read(path).Metadata["note"]);
        Assert.Empty(Directory.GetFiles(Dir, "*.tmp"));
    }

    [Fact]
    public void AFileThatFailsOnlyAtTheLastCheckChangesNothingOnTheDevice()
    {
        // Every tensor is readable and of the right shape; only the last layer's Sin alias differs.
        using var source = new LanguageModel(Config(), Device, 5);
        var entries = source.StateEntries().ToList();
        int at = entries.FindLastIndex(e => e.Name.EndsWith(".5.freq", StringComparison.Ordinal));
        using var other = Tensor.Full(entries[at].Tensor.Shape, 3.0, Device);
        entries[at] = (entries[at].Name, other);
        string path = PathOf("late.safetensors");
        SafeTensors.Write(path, entries, new Dictionary<string, string> { [Checkpoint.ConfigKey] = source.Config.ToJson() });
        using var live = new LanguageModel(Config(), Device, 6);
        var before = Bits(live);
        Assert.Contains("differ in the file", Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(live, path)).Message);
        AssertSameBits(before, Bits(live));
    }
}

public sealed class CheckpointDeviceTestsCpu(DeviceFixture f) : CheckpointDeviceTests(f, "cpu");

public sealed class CheckpointDeviceTestsIlgpuCpu(DeviceFixture f) : CheckpointDeviceTests(f, "ilgpu-cpu");

public sealed class CheckpointDeviceTestsCuda(DeviceFixture f) : CheckpointDeviceTests(f, "cuda");
