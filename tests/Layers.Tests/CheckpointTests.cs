using System.Text;
using HyenaIL.Autograd;
using HyenaIL.Layers;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public sealed class CheckpointTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "hyenail-ckpt-" + Guid.NewGuid().ToString("N"));

    public CheckpointTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static ModelConfig Config(int width = 8) => new()
    {
        Vocab = 11, Width = width, Layers = 2, InnerWidth = 16, MaxLength = 16, PositionalDims = 5, FilterWidth = 8, EmbedDropout = 0,
    };

    private static float[] Logits(LanguageModel model)
    {
        using var ids = Tensor.FromArray(RandomData.Ints(1, 2 * 9, 11), Shape.Of(2, 9), model.Device);
        using var graph = new Graph(recordGradients: false);
        return model.Forward(graph.Input(ids)).Value.ToFloatArray();
    }

    private static Dictionary<string, float[]> Snapshot(Module m) => m.StateEntries().ToDictionary(e => e.Name, e => e.Tensor.ToFloatArray());

    [Fact]
    public void ASaveLoadRoundTripReproducesTheLogitsBitForBit()
    {
        string path = Path.Combine(dir, "m.safetensors");
        using var a = new LanguageModel(Config(), Device.Cpu, 5);
        Checkpoint.Save(path, a, new Dictionary<string, string> { ["note"] = "hello" });
        using var b = Checkpoint.LoadModel(path, Device.Cpu);
        Assert.Equal(a.Config, b.Config);
        Assert.Equal(Logits(a), Logits(b));
        Assert.Equal("hello", Checkpoint.Read(path).Metadata["note"]);
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
    }

    [Fact]
    public void ATruncatedFileIsNamedAndChangesNothing()
    {
        string path = Path.Combine(dir, "t.safetensors");
        using (var a = new LanguageModel(Config(), Device.Cpu, 5)) Checkpoint.Save(path, a);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path));
        Assert.Contains("truncated", e.Message);
        Assert.Contains(path, e.Message);
        File.WriteAllBytes(path, bytes[..5]);
        Assert.Contains("too short", Assert.Throws<CheckpointException>(() => Checkpoint.Read(path)).Message);
    }

    [Fact]
    public void ACorruptHeaderIsNamed()
    {
        string path = Path.Combine(dir, "c.safetensors");
        using (var a = new LanguageModel(Config(), Device.Cpu, 5)) Checkpoint.Save(path, a);
        var bytes = File.ReadAllBytes(path);
        bytes[8] = (byte)'#'; // the header's opening brace
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Read(path));
        Assert.Contains("not valid JSON", e.Message);
        BitConverter.GetBytes((ulong)1 << 40).CopyTo(bytes, 0);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("header claims", Assert.Throws<CheckpointException>(() => Checkpoint.Read(path)).Message);
    }

    [Fact]
    public void AWrongShapeOrMissingAndUnexpectedKeysAreReportedTogetherAndChangeNothing()
    {
        string path = Path.Combine(dir, "w.safetensors");
        using (var wide = new LanguageModel(Config(width: 12), Device.Cpu, 5)) Checkpoint.Save(path, wide);
        using var model = new LanguageModel(Config(), Device.Cpu, 6);
        var before = Snapshot(model);
        var file = Checkpoint.Read(path);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(model, file));
        Assert.Contains("backbone.embeddings.word_embeddings.weight: shape (11, 12) in the file, (11, 8) in the model", e.Message);
        Assert.Equal(before, Snapshot(model));

        using var deeper = new LanguageModel(Config() with { Layers = 3 }, Device.Cpu, 7);
        string small = Path.Combine(dir, "s.safetensors");
        Checkpoint.Save(small, model);
        var e2 = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(deeper, Checkpoint.Read(small)));
        Assert.Contains("missing keys: backbone.layers.2.", e2.Message);
        var e3 = Assert.Throws<CheckpointException>(() => Checkpoint.LoadInto(model, Checkpoint.Read(Save(deeper, "d.safetensors"))));
        Assert.Contains("unexpected keys: backbone.layers.2.", e3.Message);
        Assert.Equal(before, Snapshot(model));
    }

    [Fact]
    public void AReferenceCheckpointWithoutConfigLoadsByItsNamesAndShapes()
    {
        // As the reference's state_dict converted to safetensors: every name (the tied head and the three Sin
        // names included), no HyenaIL metadata.
        using var source = new LanguageModel(Config() with { Order = 3, MaxLength = 20 }, Device.Cpu, 9);
        string path = Path.Combine(dir, "ref.safetensors");
        SafeTensors.Write(path, source.StateEntries(), new Dictionary<string, string> { ["format"] = "pt" });
        using var loaded = Checkpoint.LoadModel(path, Device.Cpu);
        Assert.Equal(3, loaded.Config.Order);
        Assert.Equal(20, loaded.Config.MaxLength);
        Assert.Equal(8, loaded.Config.Width);
        Assert.Equal(16, loaded.Config.InnerWidth);
        Assert.Equal(Logits(source), Logits(loaded));
    }

    [Fact]
    public void TiedNamesThatDisagreeInTheFileAreRefused()
    {
        using var source = new LanguageModel(Config(), Device.Cpu, 9);
        var entries = source.StateEntries().ToList();
        int head = entries.FindIndex(e => e.Name == "lm_head.weight");
        using var other = Tensor.Full(entries[head].Tensor.Shape, 0.5, Device.Cpu);
        entries[head] = ("lm_head.weight", other);
        string path = Path.Combine(dir, "tied.safetensors");
        SafeTensors.Write(path, entries, new Dictionary<string, string>());
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, Device.Cpu));
        Assert.Contains("differ in the file", e.Message);
    }

    [Fact]
    public void AFailedWriteLeavesThePreviousFileIntactAndNoTemporaryFile()
    {
        string path = Path.Combine(dir, "keep.safetensors");
        using var model = new LanguageModel(Config(), Device.Cpu, 3);
        Checkpoint.Save(path, model);
        var original = File.ReadAllBytes(path);
        var disposed = Tensor.Zeros(Shape.Of(4), Device.Cpu);
        disposed.Dispose();
        Assert.ThrowsAny<ObjectDisposedException>(() => SafeTensors.Write(path, [("a", model.StateEntries()[0].Tensor), ("b", disposed)], new Dictionary<string, string>()));
        Assert.Equal(original, File.ReadAllBytes(path));
        Assert.DoesNotContain(Directory.GetFiles(dir), f => f != path);
    }

    [Fact]
    public void HalfPrecisionAndBfloat16TensorsAreReadAsFloat32()
    {
        string path = Path.Combine(dir, "h.safetensors");
        var header = "{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[4,6]}}";
        var json = Encoding.UTF8.GetBytes(header);
        using (var fs = File.Create(path))
        {
            fs.Write(BitConverter.GetBytes((ulong)json.Length));
            fs.Write(json);
            fs.Write(BitConverter.GetBytes((Half)1.5));
            fs.Write(BitConverter.GetBytes((Half)(-2)));
            fs.Write(BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(3.25f) >> 16)));
        }
        var (tensors, _) = SafeTensors.Read(path);
        Assert.Equal(new[] { 1.5f, -2f }, tensors[0].Data);
        Assert.Equal(new[] { 3.25f }, tensors[1].Data);
    }

    private string Save(LanguageModel m, string name)
    {
        string p = Path.Combine(dir, name);
        Checkpoint.Save(p, m);
        return p;
    }
}
