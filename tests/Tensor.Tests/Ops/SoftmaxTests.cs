using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

// Tolerances: softmax values are exp(·) of float32 arguments divided by a float32 sum, each correct to a few ulps
// (GPU exp is an approximation good to ~2 ulps plus eps·|argument|, arguments here below 20): rtol 1e-5. The
// absolute floor is 1e-9, far below the smallest probabilities tested (≥ 1e-6), so rtol does the work.
// Log-softmax values are differences of order 1–10 (atol 1e-6). Backward values involve a row sum of Lk products:
// SumAtol(Lk) absolute.
public abstract class SoftmaxTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 1 },
        new[] { 3 },
        new[] { 17 },
        new[] { 1000 },
        new[] { 7, 5 },
        new[] { 5, 7 },
        new[] { 2, 3, 33 },
        new[] { 3, 1000 },
    };

    public static TheoryData<int[]> CausalShapes => new()
    {
        new[] { 1, 1 },
        new[] { 5, 5 },
        new[] { 2, 17, 17 },
        new[] { 3, 7 },
        new[] { 2, 2, 4, 9 },
        new[] { 1, 40 },
    };

    private static double[] Inputs(int[] shape, int seed) => RandomData.AsFloat32(RandomData.Uniform(seed, Reference.Size(shape), -4, 4));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SoftmaxAndLogSoftmaxMatchTheReference(int[] shape) => CheckForward(shape, causal: false);

    [Theory]
    [MemberData(nameof(CausalShapes))]
    public void CausalMaskHidesLaterKeys(int[] shape) => CheckForward(shape, causal: true);

    private void CheckForward(int[] shape, bool causal)
    {
        var x = Inputs(shape, Reference.Size(shape) + (causal ? 1 : 0));
        using var tx = Upload(x, shape);
        using var y = global::HyenaIL.Ops.Softmax(tx, causal);
        using var ly = global::HyenaIL.Ops.LogSoftmax(tx, causal);
        string what = $"{string.Join("x", shape)}{(causal ? " causal" : "")}";
        var yv = y.ToFloatArray();
        Tolerance.AssertClose(Reference.Softmax(x, shape, causal), yv, "Softmax " + what, atol: 1e-9);
        int lk = shape[^1];
        Tolerance.AssertClose(Reference.Softmax(x, shape, causal, log: true), ly.ToDoubleArray(), "LogSoftmax " + what,
            requireSignal: lk > 1);   // a row of one gives log 1 = 0
        for (int r = 0; r < yv.Length / lk; r++)
        {
            double sum = 0;
            for (int j = 0; j < lk; j++) sum += yv[r * lk + j];
            Assert.True(Math.Abs(sum - 1) <= 1e-5, $"Softmax {what}: row {r} sums to {sum:R}");
        }
        if (!causal) return;
        var lyv = ly.ToFloatArray();
        for (int i = 0; i < yv.Length; i++)
        {
            if (!Reference.CausallyMasked(shape, i)) continue;
            Assert.Equal(0f, yv[i]);
            Assert.Equal(float.NegativeInfinity, lyv[i]);
        }
    }

    [Fact]
    public void LargeLogitsDoNotOverflow()
    {
        var x = new double[] { 1000, 999, 998, -1000, 88, 89, 90, 91 };
        using var tx = Upload(x, 2, 4);
        using var y = global::HyenaIL.Ops.Softmax(tx);
        using var ly = global::HyenaIL.Ops.LogSoftmax(tx);
        Tolerance.AssertClose(Reference.Softmax(x, [2, 4]), y.ToFloatArray(), "Softmax of large logits", atol: 1e-9);
        Tolerance.AssertClose(Reference.Softmax(x, [2, 4], log: true), ly.ToFloatArray(), "LogSoftmax of large logits");
    }

    [Theory]
    [InlineData(new[] { 1 }, false)]
    [InlineData(new[] { 3, 17 }, false)]
    [InlineData(new[] { 2, 1000 }, false)]
    [InlineData(new[] { 2, 5, 5 }, true)]
    [InlineData(new[] { 3, 7 }, true)]
    public void BackwardAppliesTheJacobian(int[] shape, bool causal)
    {
        // y comes from the reference, rounded to float32, so that both sides start from the same y.
        var x = Inputs(shape, 7);
        var dy = RandomData.AsFloat32(RandomData.Uniform(8, x.Length));
        var y = RandomData.AsFloat32(Reference.Softmax(x, shape, causal));
        var ly = RandomData.AsFloat32(Reference.Softmax(x, shape, causal, log: true));
        using var ty = Upload(y, shape);
        using var tly = Upload(ly, shape);
        using var tdy = Upload(dy, shape);
        using var dx = global::HyenaIL.Ops.SoftmaxBackward(ty, tdy);
        using var ldx = global::HyenaIL.Ops.LogSoftmaxBackward(tly, tdy, causal);
        double atol = Tolerance.SumAtol(shape[^1]) / 10;
        string what = $"{string.Join("x", shape)}{(causal ? " causal" : "")}";
        Tolerance.AssertClose(Reference.SoftmaxBackward(y, dy, shape), dx.ToDoubleArray(), "SoftmaxBackward " + what,
            atol: atol, requireSignal: shape[^1] > 1);
        Tolerance.AssertClose(Reference.LogSoftmaxBackward(ly, dy, shape, causal), ldx.ToDoubleArray(), "LogSoftmaxBackward " + what,
            atol: atol, requireSignal: shape[^1] > 1);
        if (!causal) return;
        var d = ldx.ToFloatArray();
        for (int i = 0; i < d.Length; i++)
            if (Reference.CausallyMasked(shape, i)) Assert.Equal(0f, d[i]);
    }

    [Fact]
    public void CausalNeedsTwoDimensionsAndNoMoreQueriesThanKeys()
    {
        using var v = Upload(new double[5], 5);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.Softmax(v, causal: true));
        Assert.Contains("Softmax", e.Message);
        Assert.Contains("(5,)", e.Message);
        using var wide = Upload(new double[12], 4, 3);
        e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.LogSoftmax(wide, causal: true));
        Assert.Contains("LogSoftmax", e.Message);
        Assert.Contains("(4, 3)", e.Message);
    }

    [Fact]
    public void BackwardRejectsMismatchedShapesAndIntTensors()
    {
        using var y = Upload(new double[6], 2, 3);
        using var dy = Upload(new double[6], 3, 2);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.SoftmaxBackward(y, dy));
        Assert.Contains("SoftmaxBackward", e.Message);
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(3, 2)", e.Message);
        using var ids = Upload(new[] { 1, 2, 3 }, 3);
        Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.Softmax(ids));
    }
}

public sealed class SoftmaxTestsCpu(DeviceFixture f) : SoftmaxTests(f, "cpu");

public sealed class SoftmaxTestsIlgpuCpu(DeviceFixture f) : SoftmaxTests(f, "ilgpu-cpu");

public sealed class SoftmaxTestsCuda(DeviceFixture f) : SoftmaxTests(f, "cuda");

/// <summary>The cpu device only: rows as long as attention at L = 65 536, and float64 tensors for gradient checks.</summary>
public sealed class SoftmaxCpuOnlyTests
{
    [Fact]
    public void RowsOf65536Keys()
    {
        int[] shape = [2, 65536];
        var x = RandomData.AsFloat32(RandomData.Uniform(21, 2 * 65536, -8, 8));
        using var tx = Tensor.FromArray(RandomData.ToFloat(x), new Shape(shape), Device.Cpu);
        using var y = global::HyenaIL.Ops.Softmax(tx);
        using var ly = global::HyenaIL.Ops.LogSoftmax(tx);
        Tolerance.AssertClose(Reference.Softmax(x, shape), y.ToFloatArray(), "Softmax of 65 536 keys", atol: 1e-12);
        Tolerance.AssertClose(Reference.Softmax(x, shape, log: true), ly.ToFloatArray(), "LogSoftmax of 65 536 keys", atol: 1e-5);
    }

    [Fact]
    public void Float64CausalSoftmaxAndBackward()
    {
        int[] shape = [2, 5, 7];
        var x = RandomData.Uniform(22, Reference.Size(shape), -3, 3);
        var dy = RandomData.Uniform(23, x.Length);
        using var tx = Tensor.FromArray(x, new Shape(shape), Device.Cpu);
        using var tdy = Tensor.FromArray(dy, new Shape(shape), Device.Cpu);
        using var y = global::HyenaIL.Ops.Softmax(tx, causal: true);
        using var ly = global::HyenaIL.Ops.LogSoftmax(tx, causal: true);
        using var dx = global::HyenaIL.Ops.SoftmaxBackward(y, tdy);
        using var ldx = global::HyenaIL.Ops.LogSoftmaxBackward(ly, tdy, causal: true);
        Assert.Equal(DType.Float64, dx.DType);
        Tolerance.AssertClose(Reference.Softmax(x, shape, true), y.ToDoubleArray(), "Softmax float64", rtol: 1e-13, atol: 1e-15);
        Tolerance.AssertClose(Reference.SoftmaxBackward(Reference.Softmax(x, shape, true), dy, shape), dx.ToDoubleArray(),
            "SoftmaxBackward float64", rtol: 1e-12, atol: 1e-14);
        Tolerance.AssertClose(Reference.LogSoftmaxBackward(Reference.Softmax(x, shape, true, log: true), dy, shape, true),
            ldx.ToDoubleArray(), "LogSoftmaxBackward float64", rtol: 1e-12, atol: 1e-14);
    }
}
