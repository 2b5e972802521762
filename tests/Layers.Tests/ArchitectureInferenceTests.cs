using HyenaIL.Layers;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>What a config inferred from a converted reference checkpoint (no HyenaIL metadata) holds.</summary>
public sealed class ArchitectureInferenceTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "hyenail-infer-" + Guid.NewGuid().ToString("N"));

    public ArchitectureInferenceTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void TheReferenceFixturesArchitectureIsReadFromItsNamesAndShapes()
    {
        var file = Checkpoint.Read(ReferenceFixture.CheckpointPath);
        Assert.DoesNotContain(Checkpoint.ConfigKey, file.Metadata.Keys);
        var config = Checkpoint.ConfigOf(file);
        // The fixture's vocabulary is 11 padded to a multiple of 8: the table's 16 rows are the inferred vocabulary.
        Assert.Equal((16, 1, 16), (config.Vocab, config.PadVocabMultiple, config.PaddedVocab));
        Assert.Equal((8, 2, 16, 20), (config.Width, config.Layers, config.InnerWidth, config.MaxLength));
        Assert.Equal((MixerKind.Hyena, 2, 5, 8, 2, 3), (config.Mixer, config.Order, config.PositionalDims, config.FilterWidth, config.FilterInnerLayers, config.ShortFilter));
        // Assumed, not read (the doc comment and ArchitectureInference.Assumptions say so).
        Assert.True(config.Modulate);
        Assert.Equal(0, config.ModulationShift);
        Assert.True(config.TrainPositional);
        Assert.Equal(0, config.EmbedDropout);
        Assert.Contains("modulate", ArchitectureInference.Assumptions);
    }

    [Fact]
    public void AFileWithTheTiedHeadButNoEmbeddingLoadsWithTheSameLogits()
    {
        var file = Checkpoint.Read(ReferenceFixture.CheckpointPath);
        string path = Write("head-only.safetensors", file.Tensors.Values.Where(t => t.Name != ArchitectureInference.EmbeddingName));
        Assert.Equal(Checkpoint.ConfigOf(file), Checkpoint.ConfigOf(Checkpoint.Read(path)));
        using var full = Checkpoint.LoadModel(ReferenceFixture.CheckpointPath, Device.Cpu);
        using var headOnly = Checkpoint.LoadModel(path, Device.Cpu);
        var c = ReferenceFixture.Cases()[0];
        Assert.Equal(ReferenceFixture.Logits(full, c), ReferenceFixture.Logits(headOnly, c));
    }

    [Fact]
    public void AFileWithNeitherEmbeddingNorHeadIsRefusedNamingBoth()
    {
        var file = Checkpoint.Read(ReferenceFixture.CheckpointPath);
        string path = Write("no-embedding.safetensors", file.Tensors.Values.Where(t => t.Name is not (ArchitectureInference.EmbeddingName or ArchitectureInference.HeadName)));
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.LoadModel(path, Device.Cpu));
        Assert.Contains(ArchitectureInference.EmbeddingName, e.Message);
        Assert.Contains(ArchitectureInference.HeadName, e.Message);
        Assert.Contains(path, e.Message);
    }

    private string Write(string name, IEnumerable<StoredTensor> tensors)
    {
        string path = Path.Combine(dir, name);
        var list = tensors.Select(t => (t.Name, Tensor.FromArray(t.Data, t.Shape, Device.Cpu))).ToList();
        try
        {
            SafeTensors.Write(path, list, new Dictionary<string, string> { ["format"] = "pt" });
        }
        finally
        {
            foreach (var (_, t) in list) t.Dispose();
        }
        return path;
    }
}
