using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class CrossEntropyTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(17, 10)]
    [InlineData(40, 257)]
    public void MatchesTheReferenceSkippingIgnoredRows(int n, int v)
    {
        var logits = RandomData.AsFloat32(RandomData.Uniform(1, n * v, -4, 4));
        var targets = RandomData.Ints(2, n, v);
        for (int i = 1; i < n; i += 3) targets[i] = -100;
        using var tl = Upload(logits, n, v);
        using var tt = Upload(targets, n);
        using var r = global::HyenaIL.Ops.CrossEntropy(tl, tt);
        Tolerance.AssertClose([Reference.CrossEntropy(logits, targets, v, -100)], r.Loss.ToFloatArray(), "CrossEntropy");
        Assert.Equal(targets.Count(t => t != -100), (int)r.Count.Item());
    }

    [Fact]
    public void AllRowsIgnoredGivesZeroLossAndZeroGradient()
    {
        using var tl = Upload(RandomData.Uniform(3, 12), 3, 4);
        using var tt = Upload([-100, -100, -100], 3);
        using var r = global::HyenaIL.Ops.CrossEntropy(tl, tt);
        Assert.Equal(0.0, r.Loss.Item());
        using var one = Tensor.Full(Shape.Scalar, 1, Device);
        using var d = global::HyenaIL.Ops.CrossEntropyBackward(tl, tt, r.LogSumExp, r.Count, one);
        Assert.All(d.ToFloatArray(), g => Assert.Equal(0f, g));
    }

    [Fact]
    public void ATargetOutsideTheVocabularyIsNamed()
    {
        using var tl = Upload(new double[8], 2, 4);
        using var tt = Upload([1, 4], 2);
        var e = Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.CrossEntropy(tl, tt));
        Assert.Contains("target 4 at row 1", e.Message);
        using var wrong = Upload([1, 2, 3], 3);
        Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.CrossEntropy(tl, wrong));
    }
}

public sealed class CrossEntropyTestsCpu(DeviceFixture f) : CrossEntropyTests(f, "cpu");

public sealed class CrossEntropyTestsIlgpuCpu(DeviceFixture f) : CrossEntropyTests(f, "ilgpu-cpu");

public sealed class CrossEntropyTestsCuda(DeviceFixture f) : CrossEntropyTests(f, "cuda");
