using HyenaIL.Layers;
using HyenaIL.Training;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>Small models and helpers shared by the trainer tests.</summary>
internal static class TrainingTestKit
{
    /// <summary>A Hyena LM of width 8 and 2 layers with l_max = the task's length: milliseconds per step even at
    /// L ≥ <see cref="HyenaIL.Fft.LongConv.DirectCrossover"/>, where the long convolutions run through the FFT.</summary>
    public static ModelConfig Tiny(ITask task, double embedDropout = 0.1) => new()
    {
        Vocab = task.Vocab, Width = 8, Layers = 2, InnerWidth = 16, MaxLength = task.SequenceLength, PositionalDims = 5,
        FilterWidth = 8, SinFrequency = 10, TrainPositional = false, EmbedDropout = embedDropout,
    };

    /// <summary>Every parameter's raw bits by name, so that a comparison tells 0 from −0 and one NaN from another.</summary>
    public static Dictionary<string, int[]> Bits(LanguageModel model) =>
        model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.ToFloatArray().Select(BitConverter.SingleToInt32Bits).ToArray());

    /// <summary>Every tensor of a checkpoint (weights and optimizer state) as raw bits, by name.</summary>
    public static Dictionary<string, int[]> Bits(string checkpoint) =>
        Checkpoint.Read(checkpoint).Tensors.ToDictionary(t => t.Key, t => t.Value.Data.Select(BitConverter.SingleToInt32Bits).ToArray());

    public static void AssertSameBits(Dictionary<string, int[]> expected, Dictionary<string, int[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, bits) in expected)
        {
            Assert.True(bits.Length == actual[name].Length, $"{name}: {actual[name].Length} values, expected {bits.Length}");
            for (int i = 0; i < bits.Length; i++)
                if (bits[i] != actual[name][i])
                    Assert.Fail($"{name}[{i}]: {BitConverter.Int32BitsToSingle(actual[name][i]):R} (0x{actual[name][i]:X8}), expected " +
                                      $"{BitConverter.Int32BitsToSingle(bits[i]):R} (0x{bits[i]:X8})");
        }
    }

    public static Parameter Parameter(LanguageModel model, string name) =>
        model.NamedParameters().Single(p => p.Name == name).Parameter;

    /// <summary>Edits a parameter's values in place.</summary>
    public static void Edit(LanguageModel model, string name, Action<float[]> edit)
    {
        var p = Parameter(model, name);
        var data = p.Value.ToFloatArray();
        edit(data);
        using var host = Tensor.FromArray(data, p.Value.Shape, Device.Cpu);
        p.Value.CopyFrom(host);
    }
}
