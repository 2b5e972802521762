using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class SoftmaxTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[], bool> Cases => new()
    {
        { [1], false }, { [3, 17], false }, { [2, 1000], false }, { [7, 7], true }, { [2, 5, 9], true }, { [3, 1, 4], true }, { [1, 1], true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SoftmaxAndLogSoftmaxMatchTheReference(int[] shape, bool causal)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(2, Reference.Size(shape), -5, 5));
        int n = shape[^1], lq = causal ? shape[^2] : 0;
        using var t = Upload(x, shape);
        using var y = global::HyenaIL.Ops.Softmax(t, causal);
        var ys = y.ToFloatArray();
        Tolerance.AssertClose(Reference.Softmax(x, n, false, lq), ys, "Softmax");
        for (int r = 0; r < ys.Length / n; r++)
            Assert.InRange(ys.Skip(r * n).Take(n).Sum(v => (double)v), 1 - 1e-5, 1 + 1e-5);
        using var l = global::HyenaIL.Ops.LogSoftmax(t, causal);
        if (n == 1) Assert.All(l.ToFloatArray(), v => Assert.Equal(0f, v)); // log 1: exactly zero, nothing else to compare
        else Tolerance.AssertClose(Reference.Softmax(x, n, true, lq), l.ToFloatArray(), "LogSoftmax");
    }

    [Fact]
    public void ACausalMaskOverACachedPrefixKeepsTheOffsetColumns()
    {
        // Lq = 2 queries over Lk = 5 keys: row 0 sees keys 0..3, row 1 sees 0..4.
        var x = RandomData.AsFloat32(RandomData.Uniform(4, 10));
        using var t = Upload(x, 2, 5);
        using var y = global::HyenaIL.Ops.Softmax(t, causal: true);
        var ys = y.ToFloatArray();
        Assert.Equal(0f, ys[4]);
        Assert.True(ys[3] > 0 && ys[9] > 0);
        Tolerance.AssertClose(Reference.Softmax(x, 5, false, 2), ys, "Softmax with offset");
    }

    [Fact]
    public void LongRowsAreStable()
    {
        if (!IsCpu) Assert.Skip("long rows run on the cpu device only (the simulator is slow)");
        var x = RandomData.AsFloat32(RandomData.Uniform(5, 65536, -80, 80));
        using var t = Upload(x, 1, 65536);
        using var y = global::HyenaIL.Ops.Softmax(t);
        Tolerance.AssertClose(Reference.Softmax(x, 65536, false), y.ToFloatArray(), "Softmax of 65536", atol: 1e-9);
    }

    [Fact]
    public void ACausalMaskNeedsAtLeastAsManyKeysAsQueries()
    {
        using var t = Upload(new double[6], 3, 2);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.Softmax(t, causal: true));
        Assert.Contains("(3, 2)", e.Message);
    }
}

public sealed class SoftmaxTestsCpu(DeviceFixture f) : SoftmaxTests(f, "cpu");

public sealed class SoftmaxTestsIlgpuCpu(DeviceFixture f) : SoftmaxTests(f, "ilgpu-cpu");

public sealed class SoftmaxTestsCuda(DeviceFixture f) : SoftmaxTests(f, "cuda");
