using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

// Tolerances: μ and σ² are float32 sums of D terms (error ~ sqrt(D)·eps·|x|); x is offset by 3 so that x − μ cancels
// and the error is |x|·eps ≈ 4e-7 before rstd (≈ 1.7) and γ (≤ 1.5) scale it: atol = 4·SumAtol(D) on y and dx.
// dγ and dβ sum over all rows: SumAtol(rows) scaled by the terms' size (≤ 2).
public abstract class LayerNormTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    private const float Eps = 1e-5f;

    public static TheoryData<int[]> Shapes => new()
    {
        new[] { 3 },
        new[] { 17 },
        new[] { 5, 1 },
        new[] { 7, 5 },
        new[] { 2, 3, 17 },
        new[] { 70, 9 },
        new[] { 4, 1000 },
    };

    private static (double[] X, double[] Gamma, double[] Beta) Inputs(int[] shape)
    {
        int d = shape[^1], seed = Reference.Size(shape);
        var x = RandomData.AsFloat32(RandomData.Uniform(seed, Reference.Size(shape), 2, 4));
        var gamma = RandomData.AsFloat32(RandomData.Uniform(seed + 1, d, 0.5, 1.5));
        var beta = RandomData.AsFloat32(RandomData.Uniform(seed + 2, d, -0.5, 0.5));
        return (x, gamma, beta);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void ForwardMatchesTheReferenceAndSavesMeanAndRstd(int[] shape)
    {
        var (x, gamma, beta) = Inputs(shape);
        int d = shape[^1];
        var (y, mean, rstd) = Reference.LayerNorm(x, gamma, beta, d, Eps);
        using var tx = Upload(x, shape);
        using var tg = Upload(gamma, d);
        using var tb = Upload(beta, d);
        using var result = global::HyenaIL.Ops.LayerNorm(tx, tg, tb, Eps);
        var stats = new Shape(shape[..^1]);
        Assert.Equal(tx.Shape, result.Y.Shape);
        Assert.Equal(stats, result.Mean.Shape);
        Assert.Equal(stats, result.Rstd.Shape);
        string what = string.Join("x", shape);
        Tolerance.AssertClose(y, result.Y.ToFloatArray(), "LayerNorm y " + what, atol: 4 * Tolerance.SumAtol(d));
        Tolerance.AssertClose(mean, result.Mean.ToFloatArray(), "LayerNorm mean " + what);
        // With D = 1 the variance is 0 and rstd = 1/√eps ≈ 316: its float32 rounding is relative.
        Tolerance.AssertClose(rstd, result.Rstd.ToFloatArray(), "LayerNorm rstd " + what, rtol: 4e-5);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackwardMatchesTheJacobianReference(int[] shape)
    {
        var (x, gamma, beta) = Inputs(shape);
        int d = shape[^1], rows = x.Length / d;
        var dy = RandomData.AsFloat32(RandomData.Uniform(rows + d, x.Length));
        var (dx, dGamma, dBeta) = Reference.LayerNormBackward(x, gamma, dy, d, Eps);
        using var tx = Upload(x, shape);
        using var tg = Upload(gamma, d);
        using var tb = Upload(beta, d);
        using var tdy = Upload(dy, shape);
        using var forward = global::HyenaIL.Ops.LayerNorm(tx, tg, tb, Eps);
        var (tdx, tdGamma, tdBeta) = global::HyenaIL.Ops.LayerNormBackward(tx, tg, forward.Mean, forward.Rstd, tdy);
        using (tdx)
        using (tdGamma)
        using (tdBeta)
        {
            Assert.Equal(tx.Shape, tdx.Shape);
            Assert.Equal(Shape.Of(d), tdGamma.Shape);
            Assert.Equal(Shape.Of(d), tdBeta.Shape);
            string what = string.Join("x", shape);
            // With D = 1 every row normalises to 0, so dx and dγ are exactly 0 (checked, but carry no signal).
            Tolerance.AssertClose(dx, tdx.ToDoubleArray(), "LayerNorm dx " + what, atol: 4 * Tolerance.SumAtol(d), requireSignal: d > 1);
            Tolerance.AssertClose(dGamma, tdGamma.ToDoubleArray(), "LayerNorm dgamma " + what, atol: Tolerance.SumAtol(rows, 2), requireSignal: d > 1);
            Tolerance.AssertClose(dBeta, tdBeta.ToFloatArray(), "LayerNorm dbeta " + what, atol: Tolerance.SumAtol(rows));
        }
    }

    [Fact]
    public void WrongGammaOrBetaShapeNamesTheOpAndShapes()
    {
        using var x = Upload(new double[15], 3, 5);
        using var g4 = Upload(new double[4], 4);
        using var g5 = Upload(new double[5], 5);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.LayerNorm(x, g4, g5, Eps));
        Assert.Contains("LayerNorm: gamma", e.Message);
        Assert.Contains("(5,)", e.Message);
        Assert.Contains("(4,)", e.Message);
        e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.LayerNorm(x, g5, g4, Eps));
        Assert.Contains("beta", e.Message);
    }

    [Fact]
    public void BackwardRejectsStatisticsOfTheWrongShape()
    {
        using var x = Upload(new double[15], 3, 5);
        using var g = Upload(new double[5], 5);
        using var stats = Upload(new double[5], 5);
        using var dy = Upload(new double[15], 3, 5);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.LayerNormBackward(x, g, stats, stats, dy));
        Assert.Contains("LayerNormBackward: mean", e.Message);
        Assert.Contains("(3,)", e.Message);
    }

    [Fact]
    public void AnIntInputIsRejected()
    {
        using var ids = Upload(new[] { 1, 2, 3 }, 3);
        using var g = Upload(new double[3], 3);
        var e = Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.LayerNorm(ids, g, g, Eps));
        Assert.Contains("LayerNorm", e.Message);
    }
}

public sealed class LayerNormTestsCpu(DeviceFixture f) : LayerNormTests(f, "cpu");

public sealed class LayerNormTestsIlgpuCpu(DeviceFixture f) : LayerNormTests(f, "ilgpu-cpu");

public sealed class LayerNormTestsCuda(DeviceFixture f) : LayerNormTests(f, "cuda");

/// <summary>The cpu device only: float64 tensors, for gradient checks.</summary>
public sealed class LayerNormCpuOnlyTests
{
    [Fact]
    public void Float64ForwardAndBackward()
    {
        const int rows = 40, d = 7;   // more rows than one block of 32, so the dγ/dβ partials are summed
        var x = RandomData.Uniform(31, rows * d, -2, 2);
        var gamma = RandomData.Uniform(32, d, 0.5, 1.5);
        var beta = RandomData.Uniform(33, d);
        var dy = RandomData.Uniform(34, rows * d);
        using var tx = Tensor.FromArray(x, Shape.Of(rows, d), Device.Cpu);
        using var tg = Tensor.FromArray(gamma, Shape.Of(d), Device.Cpu);
        using var tb = Tensor.FromArray(beta, Shape.Of(d), Device.Cpu);
        using var tdy = Tensor.FromArray(dy, Shape.Of(rows, d), Device.Cpu);
        using var forward = global::HyenaIL.Ops.LayerNorm(tx, tg, tb, 1e-5f);
        var (dx, dGamma, dBeta) = global::HyenaIL.Ops.LayerNormBackward(tx, tg, forward.Mean, forward.Rstd, tdy);
        using (dx)
        using (dGamma)
        using (dBeta)
        {
            var eps = (double)1e-5f;
            var (y, _, _) = Reference.LayerNorm(x, gamma, beta, d, eps);
            var (rdx, rdGamma, rdBeta) = Reference.LayerNormBackward(x, gamma, dy, d, eps);
            Assert.Equal(DType.Float64, forward.Y.DType);
            Tolerance.AssertClose(y, forward.Y.ToDoubleArray(), "LayerNorm float64 y", rtol: 1e-12, atol: 1e-13);
            Tolerance.AssertClose(rdx, dx.ToDoubleArray(), "LayerNorm float64 dx", rtol: 1e-12, atol: 1e-13);
            Tolerance.AssertClose(rdGamma, dGamma.ToDoubleArray(), "LayerNorm float64 dgamma", rtol: 1e-12, atol: 1e-13);
            Tolerance.AssertClose(rdBeta, dBeta.ToDoubleArray(), "LayerNorm float64 dbeta", rtol: 1e-12, atol: 1e-13);
        }
    }
}
