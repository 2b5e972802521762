using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

// Tolerances: lse and the loss are float32 sums of V exponentials (rtol 1e-5, atol SumAtol(V)); the loss averages N
// row losses (SumAtol(N) more). dlogits are probabilities / count, each within a few ulps relative to the softmax
// (rtol 1e-5) once lse is (absolute error ≤ eps·|lse| ≈ 1e-6 → 1e-6 relative on exp): atol 1e-9, below every signal.
public abstract class CrossEntropyTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int, int, int> Cases => new()
    {
        // N, V, every how many rows a target is ignored (0: none)
        { 1, 3, 0 },
        { 3, 17, 2 },
        { 17, 5, 3 },
        { 4, 1000, 4 },
        { 40, 7, 5 },
    };

    private static (double[] Logits, int[] Targets) Inputs(int n, int v, int ignoreEvery, int ignore = -100)
    {
        var logits = RandomData.AsFloat32(RandomData.Uniform(n * v, n * v, -4, 4));
        var targets = RandomData.Ints(n + v, n, v);
        for (int r = 0; ignoreEvery > 0 && r < n; r += ignoreEvery) targets[r] = ignore;
        return (logits, targets);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchTheReference(int n, int v, int ignoreEvery)
    {
        var (logits, targets) = Inputs(n, v, ignoreEvery);
        var (loss, lse, count) = Reference.CrossEntropy(logits, targets, v, -100);
        using var tx = Upload(logits, n, v);
        using var tt = Upload(targets, n);
        using var result = global::HyenaIL.Ops.CrossEntropy(tx, tt);
        Assert.Equal(Shape.Scalar, result.Loss.Shape);
        Assert.Equal(Shape.Of(n), result.LogSumExp.Shape);
        Assert.Equal(Shape.Scalar, result.Count.Shape);
        Assert.Equal(count, result.Count.Item());
        string what = $"N={n} V={v} ignore every {ignoreEvery}";
        Tolerance.AssertClose([loss], result.Loss.ToFloatArray(), "loss " + what, atol: Tolerance.SumAtol(v) + Tolerance.SumAtol(n));
        Tolerance.AssertClose(lse, result.LogSumExp.ToFloatArray(), "lse " + what, atol: Tolerance.SumAtol(v));

        const double dLoss = 0.75;
        using var tdLoss = Tensor.Scalar(dLoss, Device);
        using var dx = global::HyenaIL.Ops.CrossEntropyBackward(tx, tt, result.LogSumExp, result.Count, tdLoss);
        Assert.Equal(tx.Shape, dx.Shape);
        var expected = Reference.CrossEntropyBackward(logits, targets, v, -100, dLoss);
        Tolerance.AssertClose(expected, dx.ToFloatArray(), "dlogits " + what, atol: 1e-9);
    }

    [Fact]
    public void AllRowsIgnoredGiveZeroLossAndZeroGradient()
    {
        var (logits, targets) = Inputs(5, 7, 1);
        using var tx = Upload(logits, 5, 7);
        using var tt = Upload(targets, 5);
        using var result = global::HyenaIL.Ops.CrossEntropy(tx, tt);
        Assert.Equal(0.0, result.Loss.Item());
        Assert.Equal(0.0, result.Count.Item());
        using var dLoss = Tensor.Scalar(1, Device);
        using var dx = global::HyenaIL.Ops.CrossEntropyBackward(tx, tt, result.LogSumExp, result.Count, dLoss);
        Assert.All(dx.ToFloatArray(), g => Assert.Equal(0f, g));
        Tolerance.AssertClose(Reference.CrossEntropy(logits, targets, 7, -100).LogSumExp, result.LogSumExp.ToFloatArray(), "lse");
    }

    [Fact]
    public void AnotherIgnoreIndexIsHonoured()
    {
        // ignoreIndex 0 drops the rows whose target is class 0, as PyTorch does.
        var logits = RandomData.AsFloat32(RandomData.Uniform(41, 6 * 4, -2, 2));
        int[] targets = [0, 1, 2, 0, 3, 0];
        using var tx = Upload(logits, 6, 4);
        using var tt = Upload(targets, 6);
        using var result = global::HyenaIL.Ops.CrossEntropy(tx, tt, ignoreIndex: 0);
        var (loss, _, count) = Reference.CrossEntropy(logits, targets, 4, 0);
        Assert.Equal(3, count);
        Assert.Equal(3.0, result.Count.Item());
        Tolerance.AssertClose([loss], result.Loss.ToFloatArray(), "loss with ignoreIndex 0", atol: 1e-5);
        using var dLoss = Tensor.Scalar(1, Device);
        using var dx = global::HyenaIL.Ops.CrossEntropyBackward(tx, tt, result.LogSumExp, result.Count, dLoss, ignoreIndex: 0);
        Tolerance.AssertClose(Reference.CrossEntropyBackward(logits, targets, 4, 0, 1), dx.ToFloatArray(), "dlogits with ignoreIndex 0", atol: 1e-9);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(-1)]
    public void ATargetOutOfRangeNamesTheOpValueRowAndV(int bad)
    {
        using var tx = Upload(new double[21], 3, 7);
        using var tt = Upload(new[] { 1, 2, bad }, 3);
        var e = Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.CrossEntropy(tx, tt));
        Assert.Contains("CrossEntropy", e.Message);
        Assert.Contains($"target {bad}", e.Message);
        Assert.Contains("row 2", e.Message);
        Assert.Contains("V = 7", e.Message);
    }

    [Fact]
    public void TargetsOfTheWrongShapeOrTypeAreRejected()
    {
        using var tx = Upload(new double[21], 3, 7);
        using var four = Upload(new[] { 1, 2, 3, 4 }, 4);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.CrossEntropy(tx, four));
        Assert.Contains("CrossEntropy: targets", e.Message);
        Assert.Contains("(3,)", e.Message);
        Assert.Contains("(4,)", e.Message);
        using var floats = Upload(new double[3], 3);
        var d = Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.CrossEntropy(tx, floats));
        Assert.Contains("int32", d.Message);
        using var flat = Upload(new double[7], 7);
        Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.CrossEntropy(flat, four));
    }
}

public sealed class CrossEntropyTestsCpu(DeviceFixture f) : CrossEntropyTests(f, "cpu");

public sealed class CrossEntropyTestsIlgpuCpu(DeviceFixture f) : CrossEntropyTests(f, "ilgpu-cpu");

public sealed class CrossEntropyTestsCuda(DeviceFixture f) : CrossEntropyTests(f, "cuda");

/// <summary>The cpu device only: a GPT-2-sized vocabulary, and float64 tensors for gradient checks.</summary>
public sealed class CrossEntropyCpuOnlyTests
{
    [Fact]
    public void AVocabularyOf50257()
    {
        const int n = 6, v = 50257;
        var logits = RandomData.AsFloat32(RandomData.Normal(51, n * v, 3));
        var targets = RandomData.Ints(52, n, v);
        targets[4] = -100;
        using var tx = Tensor.FromArray(RandomData.ToFloat(logits), Shape.Of(n, v), Device.Cpu);
        using var tt = Tensor.FromArray(targets, Shape.Of(n), Device.Cpu);
        using var result = global::HyenaIL.Ops.CrossEntropy(tx, tt);
        var (loss, lse, _) = Reference.CrossEntropy(logits, targets, v, -100);
        Tolerance.AssertClose([loss], result.Loss.ToFloatArray(), "loss, V = 50257", atol: Tolerance.SumAtol(v));
        Tolerance.AssertClose(lse, result.LogSumExp.ToFloatArray(), "lse, V = 50257", atol: Tolerance.SumAtol(v));
    }

    [Fact]
    public void Float64ForwardAndBackward()
    {
        const int n = 9, v = 11;
        var logits = RandomData.Uniform(53, n * v, -3, 3);
        var targets = RandomData.Ints(54, n, v);
        targets[0] = targets[5] = -100;
        using var tx = Tensor.FromArray(logits, Shape.Of(n, v), Device.Cpu);
        using var tt = Tensor.FromArray(targets, Shape.Of(n), Device.Cpu);
        using var result = global::HyenaIL.Ops.CrossEntropy(tx, tt);
        using var dLoss = Tensor.Scalar(1.25, Device.Cpu, DType.Float64);
        using var dx = global::HyenaIL.Ops.CrossEntropyBackward(tx, tt, result.LogSumExp, result.Count, dLoss);
        var (loss, lse, _) = Reference.CrossEntropy(logits, targets, v, -100);
        Assert.Equal(DType.Float64, result.Loss.DType);
        Tolerance.AssertClose([loss], result.Loss.ToDoubleArray(), "loss float64", rtol: 1e-13, atol: 1e-14);
        Tolerance.AssertClose(lse, result.LogSumExp.ToDoubleArray(), "lse float64", rtol: 1e-13, atol: 1e-14);
        Tolerance.AssertClose(Reference.CrossEntropyBackward(logits, targets, v, -100, 1.25), dx.ToDoubleArray(),
            "dlogits float64", rtol: 1e-12, atol: 1e-15);
    }
}
