using System.Text.Json;
using HyenaIL.Autograd;
using HyenaIL.Layers;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>
/// The PyTorch fixture (Fixtures/make_reference_lm.py): safari's SimpleLMHeadModel with the Hyena mixer, restated in
/// PyTorch 1.13 with random weights (vocab 11 padded to 16, D 8, 2 layers, d_inner 16, E 5, filter width 8, l_max 20);
/// its state_dict as a converted reference checkpoint (no HyenaIL config) and the logits it computes, in float32 and
/// float64, for (B 2, L 13) and (B 1, L 20).
/// </summary>
internal static class ReferenceFixture
{
    public static string CheckpointPath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference_lm.safetensors");

    private static string LogitsPath => Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference_lm_logits.json");

    /// <param name="Logits32">PyTorch's float32 logits (B, L, V_pad)</param>
    /// <param name="Logits64">the same model cast to float64</param>
    public sealed record Case(int Batch, int Length, int Vocab, int[] Ids, float[] Logits32, double[] Logits64);

    public static IReadOnlyList<Case> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(LogitsPath));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("batch").GetInt32(), c.GetProperty("length").GetInt32(), c.GetProperty("vocab").GetInt32(),
            c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray(),
            c.GetProperty("logits_float32").EnumerateArray().Select(x => x.GetSingle()).ToArray(),
            c.GetProperty("logits_float64").EnumerateArray().Select(x => x.GetDouble()).ToArray())).ToList();
    }

    /// <summary>The model's logits for one case, on the model's device, as float64.</summary>
    public static double[] Logits(LanguageModel model, Case c)
    {
        using var ids = Tensor.FromArray(c.Ids, Shape.Of(c.Batch, c.Length), model.Device);
        using var graph = new Graph(recordGradients: false);
        var logits = model.Forward(graph.Input(ids));
        Assert.Equal(Shape.Of(c.Batch, c.Length, c.Vocab), logits.Shape);
        return logits.Value.ToDoubleArray();
    }
}

/// <summary>
/// HyenaIL against PyTorch on a reference-style checkpoint, loaded as any converted reference checkpoint is (the
/// architecture inferred from names and shapes). Tolerance: max |HyenaIL − PyTorch| ≤ 1e-5 · max |logit| (reference
/// §7: about 1e-5 after an LM forward pass). Both sides compute in float32 in different orders (FFT sizes 2L against a
/// power of two, summation orders, the last bits of exp, sin and tanh); PyTorch's own float32 logits lie 1.6e-7 ·
/// max |logit| from its float64 ones (the fixture records it), so 1e-5 leaves ample room for rounding, while any
/// semantic difference (a tap order, the D term, the window, a sign in z, the gate order) moves the logits by 1e-2 of
/// their scale or more. The float64 test below is sharper still.
/// </summary>
public abstract class ReferenceParityTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    private const double Rtol = 1e-5;

    [Fact]
    public void LogitsMatchPyTorchOnAReferenceCheckpoint()
    {
        using var model = Checkpoint.LoadModel(ReferenceFixture.CheckpointPath, Device);
        model.Eval();
        foreach (var c in ReferenceFixture.Cases())
        {
            var logits = ReferenceFixture.Logits(model, c);
            double scale = c.Logits64.Max(Math.Abs);
            string what = $"{DeviceName}, B {c.Batch}, L {c.Length}";
            TestContext.Current.TestOutputHelper?.WriteLine($"{what}: max |HyenaIL − PyTorch float64| / max |logit| = {MaxError(c.Logits64, logits) / scale:E2}");
            Tolerance.AssertClose(c.Logits64, logits, $"{what}: logits vs PyTorch float64", rtol: 0, atol: Rtol * scale);
            Tolerance.AssertClose(RandomData.ToDouble(c.Logits32), logits, $"{what}: logits vs PyTorch float32", rtol: 0, atol: Rtol * scale);
        }
    }

    internal static double MaxError(double[] expected, double[] actual) => expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
}

public sealed class ReferenceParityTestsCpu(DeviceFixture f) : ReferenceParityTests(f, "cpu");

public sealed class ReferenceParityTestsIlgpuCpu(DeviceFixture f) : ReferenceParityTests(f, "ilgpu-cpu");

public sealed class ReferenceParityTestsCuda(DeviceFixture f) : ReferenceParityTests(f, "cuda");

/// <summary>The same checkpoint in float64 on the cpu device against PyTorch's float64 logits: with rounding out of
/// the way (float64 FFTs leave ~1e-15 relative), the two implementations agree to 1e-10 of the logits' scale or they
/// compute different things.</summary>
public sealed class ReferenceParityFloat64Tests
{
    [Fact]
    public void InFloat64TheLogitsMatchPyTorchsFloat64ToRounding()
    {
        using var model = Checkpoint.LoadModel(ReferenceFixture.CheckpointPath, Device.Cpu);
        model.Eval();
        model.ConvertTo(DType.Float64);
        foreach (var c in ReferenceFixture.Cases())
        {
            double scale = c.Logits64.Max(Math.Abs);
            var logits = ReferenceFixture.Logits(model, c);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"float64, B {c.Batch}, L {c.Length}: max |HyenaIL − PyTorch| / max |logit| = {ReferenceParityTests.MaxError(c.Logits64, logits) / scale:E2}");
            Tolerance.AssertClose(c.Logits64, logits, $"float64, B {c.Batch}, L {c.Length}: logits vs PyTorch float64",
                rtol: 0, atol: 1e-10 * scale);
        }
    }
}
