using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class ShortConvTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    /// <summary>(B, C, L, K): length 1, odd lengths, one tap, more taps than steps, vector tails.</summary>
    public static TheoryData<int, int, int, int> Cases => new()
    {
        { 1, 1, 1, 3 },
        { 2, 3, 7, 3 },
        { 2, 5, 17, 3 },
        { 1, 4, 33, 4 },
        { 3, 2, 5, 1 },
        { 2, 3, 4, 6 },
        { 2, 6, 129, 3 },
    };

    [Fact]
    public void AHandComputedCasePinsTheTapOrder()
    {
        // Channel 0: taps (100, 10, 1) over x = (1, 2, 3, 4), bias 0.5:
        //   y[t] = 0.5 + 100·x[t−2] + 10·x[t−1] + 1·x[t]  →  (1.5, 12.5, 123.5, 234.5).
        // Channel 1: an impulse through taps (3, 5, 7), bias −1 gives the taps in reverse: (6, 4, 2, −1).
        using var x = Upload(new double[] { 1, 2, 3, 4, 1, 0, 0, 0 }, 1, 2, 4);
        using var w = Upload(new double[] { 100, 10, 1, 3, 5, 7 }, 2, 3);
        using var bias = Upload(new[] { 0.5, -1 }, 2);
        using var y = global::HyenaIL.Ops.ShortConv(x, w, bias);
        Assert.Equal([1.5f, 12.5f, 123.5f, 234.5f, 6f, 4f, 2f, -1f], y.ToFloatArray());

        // dy = 1 at the last step of channel 0 only: dx[s] = w[3 − s] reaches back K − 1 steps, (0, 100, 10, 1);
        // dw[k] = x[1 + k] = (2, 3, 4); dbias = (1, 0).
        using var dy = Upload(new double[] { 0, 0, 0, 1, 0, 0, 0, 0 }, 1, 2, 4);
        var (dx, dw, dBias) = global::HyenaIL.Ops.ShortConvBackward(x, w, dy);
        using (dx)
        using (dw)
        using (dBias)
        {
            Assert.Equal([0f, 100f, 10f, 1f, 0f, 0f, 0f, 0f], dx.ToFloatArray());
            Assert.Equal([2f, 3f, 4f, 0f, 0f, 0f], dw.ToFloatArray());
            Assert.Equal([1f, 0f], dBias.ToFloatArray());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndBackwardMatchTheFloat64Reference(int batch, int channels, int length, int taps) =>
        CheckAgainstReference(batch, channels, length, taps);

    [Fact]
    public void AHyenaSizedCaseMatchesTheFloat64Reference()
    {
        if (IsCpu) CheckAgainstReference(4, 48, 1000, 3);
        else CheckAgainstReference(2, 6, 150, 3);
    }

    private void CheckAgainstReference(int batch, int channels, int length, int taps)
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(length, batch * channels * length));
        var w = RandomData.AsFloat32(RandomData.Uniform(taps + 1, channels * taps));
        var bias = RandomData.AsFloat32(RandomData.Uniform(channels + 2, channels));
        var dy = RandomData.AsFloat32(RandomData.Uniform(length + 3, batch * channels * length));
        using var tx = Upload(x, batch, channels, length);
        using var tw = Upload(w, channels, taps);
        using var tb = Upload(bias, channels);
        using var tdy = Upload(dy, batch, channels, length);
        string what = $"B={batch} C={channels} L={length} K={taps}";

        // y and dx sum K + 1 terms of magnitude ≤ 1; dw and dbias sum B·L of them.
        using var y = global::HyenaIL.Ops.ShortConv(tx, tw, tb);
        Assert.Equal(tx.Shape, y.Shape);
        Tolerance.AssertClose(Reference.ShortConv(x, w, bias, batch, channels, length, taps), y.ToFloatArray(),
            "ShortConv " + what, atol: Tolerance.SumAtol(taps + 1));
        var (edx, edw, edb) = Reference.ShortConvBackward(x, w, dy, batch, channels, length, taps);
        // Pooled buffers of the gradients' sizes filled with NaN: every gradient element must be written.
        Tensor.Full(tx.Shape, double.NaN, Device).Dispose();
        Tensor.Full(tw.Shape, double.NaN, Device).Dispose();
        Tensor.Full(tb.Shape, double.NaN, Device).Dispose();
        var (dx, dw, db) = global::HyenaIL.Ops.ShortConvBackward(tx, tw, tdy);
        using (dx)
        using (dw)
        using (db)
        {
            Assert.Equal(tw.Shape, dw.Shape);
            Assert.Equal(Shape.Of(channels), db.Shape);
            Tolerance.AssertClose(edx, dx.ToFloatArray(), "dx " + what, atol: Tolerance.SumAtol(taps));
            Tolerance.AssertClose(edw, dw.ToFloatArray(), "dw " + what, atol: Tolerance.SumAtol(batch * length));
            Tolerance.AssertClose(edb, db.ToFloatArray(), "dbias " + what, atol: Tolerance.SumAtol(batch * length));
        }
    }

    [Fact]
    public void WrongShapesNameTheOpAndTheShapes()
    {
        using var x = Upload(new double[2 * 5 * 7], 2, 5, 7);
        using var w = Upload(new double[12], 4, 3);
        using var goodW = Upload(new double[15], 5, 3);
        using var bias = Upload(new double[5], 5);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.ShortConv(x, w, bias));
        Assert.Contains("ShortConv", e.Message);
        Assert.Contains("(4, 3)", e.Message);
        Assert.Contains("(2, 5, 7)", e.Message);

        using var flat = Upload(new double[35], 5, 7);
        e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.ShortConv(flat, goodW, bias));
        Assert.Contains("(5, 7)", e.Message);

        using var badBias = Upload(new double[4], 4);
        e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.ShortConv(x, goodW, badBias));
        Assert.Contains("bias", e.Message);
        Assert.Contains("(4,)", e.Message);

        using var dy = Upload(new double[2 * 5 * 6], 2, 5, 6);
        e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.ShortConvBackward(x, goodW, dy));
        Assert.Contains("ShortConvBackward", e.Message);
        Assert.Contains("(2, 5, 6)", e.Message);

        using var ints = Upload(new int[15], 5, 3);
        Assert.Throws<DTypeException>(() => global::HyenaIL.Ops.ShortConv(x, ints, bias));
    }
}

public sealed class ShortConvTestsCpu(DeviceFixture f) : ShortConvTests(f, "cpu");

public sealed class ShortConvTestsIlgpuCpu(DeviceFixture f) : ShortConvTests(f, "ilgpu-cpu");

public sealed class ShortConvTestsCuda(DeviceFixture f) : ShortConvTests(f, "cuda");

/// <summary>float64 (cpu only): the reference to near rounding, and the backward against central differences.</summary>
public sealed class ShortConvFloat64Tests
{
    private const int B = 2, C = 3, L = 7, K = 3;

    [Fact]
    public void Float64MatchesTheReferenceToRounding()
    {
        var x = RandomData.Uniform(1, B * C * L);
        var w = RandomData.Uniform(2, C * K);
        var bias = RandomData.Uniform(3, C);
        var dy = RandomData.Uniform(4, B * C * L);
        using var tx = Tensor.FromArray(x, Shape.Of(B, C, L), Device.Cpu);
        using var tw = Tensor.FromArray(w, Shape.Of(C, K), Device.Cpu);
        using var tb = Tensor.FromArray(bias, Shape.Of(C), Device.Cpu);
        using var tdy = Tensor.FromArray(dy, Shape.Of(B, C, L), Device.Cpu);
        using var y = global::HyenaIL.Ops.ShortConv(tx, tw, tb);
        // float64 sums of at most B·L = 14 unit terms, in another order than the reference: ≤ 1e-14.
        Tolerance.AssertClose(Reference.ShortConv(x, w, bias, B, C, L, K), y.ToDoubleArray(), "ShortConv float64", rtol: 1e-13, atol: 1e-13);
        var (edx, edw, edb) = Reference.ShortConvBackward(x, w, dy, B, C, L, K);
        var (dx, dw, db) = global::HyenaIL.Ops.ShortConvBackward(tx, tw, tdy);
        using (dx)
        using (dw)
        using (db)
        {
            Tolerance.AssertClose(edx, dx.ToDoubleArray(), "dx float64", rtol: 1e-13, atol: 1e-13);
            Tolerance.AssertClose(edw, dw.ToDoubleArray(), "dw float64", rtol: 1e-13, atol: 1e-13);
            Tolerance.AssertClose(edb, db.ToDoubleArray(), "dbias float64", rtol: 1e-13, atol: 1e-13);
        }
    }

    [Fact]
    public void BackwardMatchesCentralDifferencesOfTheForward()
    {
        // Loss = Σ g·ShortConv(x, w, bias); its gradient is ShortConvBackward with dy = g.
        var x = RandomData.Uniform(5, B * C * L);
        var w = RandomData.Uniform(6, C * K);
        var bias = RandomData.Uniform(7, C);
        var g = RandomData.Uniform(8, B * C * L);
        using var tg = Tensor.FromArray(g, Shape.Of(B, C, L), Device.Cpu);
        using var tx = Tensor.FromArray(x, Shape.Of(B, C, L), Device.Cpu);
        using var tw = Tensor.FromArray(w, Shape.Of(C, K), Device.Cpu);
        var (dx, dw, db) = global::HyenaIL.Ops.ShortConvBackward(tx, tw, tg);
        using (dx)
        using (dw)
        using (db)
        {
            Tolerance.AssertClose(Numeric(x, v => Loss(v, w, bias, g)), dx.ToDoubleArray(), "dx", Tolerance.GradRtol, 1e-8);
            Tolerance.AssertClose(Numeric(w, v => Loss(x, v, bias, g)), dw.ToDoubleArray(), "dw", Tolerance.GradRtol, 1e-8);
            Tolerance.AssertClose(Numeric(bias, v => Loss(x, w, v, g)), db.ToDoubleArray(), "dbias", Tolerance.GradRtol, 1e-8);
        }
    }

    private static double Loss(double[] x, double[] w, double[] bias, double[] g)
    {
        using var tx = Tensor.FromArray(x, Shape.Of(B, C, L), Device.Cpu);
        using var tw = Tensor.FromArray(w, Shape.Of(C, K), Device.Cpu);
        using var tb = Tensor.FromArray(bias, Shape.Of(C), Device.Cpu);
        using var y = global::HyenaIL.Ops.ShortConv(tx, tw, tb);
        return y.ToDoubleArray().Zip(g).Sum(p => p.First * p.Second);
    }

    /// <summary>Central differences with h = 1e-6 (truncation ~h², rounding ~1e-16/h).</summary>
    private static double[] Numeric(double[] p, Func<double[], double> loss)
    {
        const double h = 1e-6;
        var grad = new double[p.Length];
        for (int i = 0; i < p.Length; i++)
        {
            var plus = (double[])p.Clone();
            var minus = (double[])p.Clone();
            plus[i] += h;
            minus[i] -= h;
            grad[i] = (loss(plus) - loss(minus)) / (2 * h);
        }
        return grad;
    }
}
