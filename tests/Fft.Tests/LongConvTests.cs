using HyenaIL.Fft;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>
/// The long convolution and its three gradients against the float64 sums by definition (Reference.LongConv),
/// both methods. Bound: max |actual − expected| ≤ 1e-5·max |expected| per output. The reference measured
/// 1.5e-7 to 2.8e-7 for a float32 FFT convolution (hyena.md §1.5); the direct float32 sum of L terms rounds to
/// about sqrt(L)·eps ≈ 4e-6 of the terms' scale at L = 4097, while max |y| grows like sqrt(L): 1e-5 holds both
/// with a margin, and a wrong tap, shift or scale gives errors of order 1.
/// </summary>
public abstract class LongConvTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    private const double Bound = 1e-5;

    public static TheoryData<int, LongConvMethod> Cases()
    {
        var data = new TheoryData<int, LongConvMethod>();
        foreach (int l in new[] { 1, 2, 3, 100, 300, 1000, 4097 })
        {
            data.Add(l, LongConvMethod.Fft);
            data.Add(l, LongConvMethod.Direct);
        }
        data.Add(1, LongConvMethod.Auto);
        data.Add(LongConv.DirectCrossover, LongConvMethod.Auto);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardAndGradientsMatchTheFloat64Sums(int l, LongConvMethod method)
    {
        if (!IsCpu && l > 300) return; // the ILGPU simulator runs one OS thread per GPU thread: small sizes only
        const int b = 2, c = 3;
        var (u, k, d, dy) = Inputs(l, b, c);
        using var tu = Upload(u, b, c, l);
        using var tk = Upload(k, c, l);
        using var td = Upload(d, c);
        using var tdy = Upload(dy, b, c, l);
        using var y = LongConv.Forward(tu, tk, td, method);
        string what = $"L={l} {method} on {DeviceName}";
        AssertWithin(Reference.LongConv(u, k, d, b, c, l), y.ToDoubleArray(), Bound, $"y, {what}");

        var (du, dk, dd) = LongConv.Backward(tu, tk, td, tdy, method);
        using (du)
        using (dk)
        using (dd)
        {
            var (eu, ek, ed) = Reference.LongConvBackward(u, k, d, dy, b, c, l);
            AssertWithin(eu, du.ToDoubleArray(), Bound, $"du, {what}");
            AssertWithin(ek, dk.ToDoubleArray(), Bound, $"dk, {what}");
            AssertWithin(ed, dd.ToDoubleArray(), Bound, $"dD, {what}");
        }
    }

    [Theory]
    [InlineData(17)]
    [InlineData(300)]
    public void DeviceMatchesTheCpu(int l)
    {
        // Same float32 inputs, FFT method on both: only rounding order differs (bound as above).
        const int b = 2, c = 2;
        var (u, k, d, dy) = Inputs(l, b, c);
        using var y = Run(Device, u, k, d, dy, b, c, l, out var grads);
        using var yc = Run(Cpu, u, k, d, dy, b, c, l, out var gradsCpu);
        AssertWithin(yc.ToDoubleArray(), y.ToDoubleArray(), Bound, $"y on {DeviceName} vs cpu");
        for (int i = 0; i < 3; i++)
        {
            AssertWithin(gradsCpu[i].ToDoubleArray(), grads[i].ToDoubleArray(), Bound, $"gradient {i} on {DeviceName} vs cpu");
            grads[i].Dispose();
            gradsCpu[i].Dispose();
        }
    }

    [Theory]
    [InlineData(LongConvMethod.Direct)]
    [InlineData(LongConvMethod.Fft)]
    public void ChangingUAtTNeverChangesEarlierOutputs(LongConvMethod method)
    {
        // FFT round-off spreads about eps·max|y| over every position (hyena.md §6.1), so "unchanged" means within
        // 1e-6 of max|y|; a leak through wrap-around (P < 2L) or a wrong crop or shift would move earlier outputs
        // by O(max|y|). t0 = L − 1 is the position whose wrap-around would reach the most earlier outputs.
        const int b = 1, c = 2;
        int l = IsCpu ? 1000 : 200;   // the ILGPU simulator: small sizes only
        var (u, k, d, _) = Inputs(l, b, c);
        using var tk = Upload(k, c, l);
        using var td = Upload(d, c);
        using var tu = Upload(u, b, c, l);
        using var y = LongConv.Forward(tu, tk, td, method);
        var a = y.ToFloatArray();
        double max = a.Max(v => Math.Abs((double)v));
        foreach (int t0 in new[] { 0, 1, l / 2, l - 1 })
        {
            var changed = (double[])u.Clone();
            for (int ch = 0; ch < c; ch++) changed[ch * l + t0] += 1.0;
            using var tv = Upload(changed, b, c, l);
            using var yv = LongConv.Forward(tv, tk, td, method);
            var e = yv.ToFloatArray();
            for (int ch = 0; ch < c; ch++)
            {
                for (int t = 0; t < t0; t++)
                    Assert.True(Math.Abs(a[ch * l + t] - e[ch * l + t]) <= 1e-6 * max,
                        $"{method} on {DeviceName}, L={l}, channel {ch}: y[{t}] moved by {Math.Abs(a[ch * l + t] - e[ch * l + t]):E3} " +
                        $"when u[{t0}] changed (max|y| {max:E3})");
                // From t0 on, the change is the impulse response k[t − t0] + D·[t = t0], within the two outputs'
                // own bounds (Bound·max|y| each).
                for (int t = t0; t < l; t++)
                {
                    double expected = k[ch * l + t - t0] + (t == t0 ? d[ch] : 0), moved = e[ch * l + t] - a[ch * l + t];
                    Assert.True(Math.Abs(moved - expected) <= 2 * Bound * max,
                        $"{method} on {DeviceName}, L={l}, channel {ch}: y[{t}] moved by {moved:R} when u[{t0}] grew by 1, " +
                        $"expected k[{t - t0}]{(t == t0 ? " + D" : "")} = {expected:R}");
                }
            }
        }
    }

    [Fact]
    public void APreparedFilterGivesTheSameResults()
    {
        const int b = 2, c = 3, l = 50;
        var (u, k, d, dy) = Inputs(l, b, c);
        using var tu = Upload(u, b, c, l);
        using var tk = Upload(k, c, l);
        using var td = Upload(d, c);
        using var tdy = Upload(dy, b, c, l);
        using var filter = LongConv.PrepareFilter(tk);
        Assert.Equal(128, filter.FftSize);
        Assert.Equal(Shape.Of(c, 65, 2), filter.Spectrum.Shape);
        using var y = LongConv.Forward(tu, filter, td);
        using var expected = LongConv.Forward(tu, tk, td, LongConvMethod.Fft);
        Assert.Equal(expected.ToFloatArray(), y.ToFloatArray());
        var (du, dk, dd) = LongConv.Backward(tu, filter, td, tdy);
        var (eu, ek, ed) = LongConv.Backward(tu, tk, td, tdy, LongConvMethod.Fft);
        foreach (var (a, e) in new[] { (du, eu), (dk, ek), (dd, ed) })
        {
            Assert.Equal(e.ToFloatArray(), a.ToFloatArray());
            a.Dispose();
            e.Dispose();
        }
    }

    [Fact]
    public void ShapeMismatchesNameTheOpAndTheShapes()
    {
        using var u = Upload(new double[2 * 3 * 5], 2, 3, 5);
        using var k = Upload(new double[3 * 4], 3, 4);
        using var d = Upload(new double[3], 3);
        var e = Assert.Throws<ShapeException>(() => LongConv.Forward(u, k, d));
        Assert.Contains("LongConv.Forward", e.Message);
        Assert.Contains("(3, 5)", e.Message);
        Assert.Contains("(3, 4)", e.Message);

        using var k5 = Upload(new double[3 * 5], 3, 5);
        using var d2 = Upload(new double[2], 2);
        e = Assert.Throws<ShapeException>(() => LongConv.Forward(u, k5, d2));
        Assert.Contains("(3,)", e.Message);
        Assert.Contains("(2,)", e.Message);

        using var dy = Upload(new double[2 * 3 * 4], 2, 3, 4);
        e = Assert.Throws<ShapeException>(() => LongConv.Backward(u, k5, d, dy));
        Assert.Contains("LongConv.Backward", e.Message);
        Assert.Contains("dy", e.Message);

        using var filter = LongConv.PrepareFilter(k);
        e = Assert.Throws<ShapeException>(() => LongConv.Forward(u, filter, d));
        Assert.Contains("(B, 3, 4)", e.Message);
        Assert.Contains("(2, 3, 5)", e.Message);
    }

    private (double[] U, double[] K, double[] D, double[] Dy) Inputs(int l, int b, int c) =>
        (RandomData.AsFloat32(RandomData.Uniform(l, b * c * l)), RandomData.AsFloat32(RandomData.Uniform(l + 1, c * l)),
            RandomData.AsFloat32(RandomData.Uniform(l + 2, c)), RandomData.AsFloat32(RandomData.Uniform(l + 3, b * c * l)));

    private static Tensor Run(Device device, double[] u, double[] k, double[] d, double[] dy, int b, int c, int l, out Tensor[] grads)
    {
        using var tu = Tensor.FromArray(RandomData.ToFloat(u), Shape.Of(b, c, l), device);
        using var tk = Tensor.FromArray(RandomData.ToFloat(k), Shape.Of(c, l), device);
        using var td = Tensor.FromArray(RandomData.ToFloat(d), Shape.Of(c), device);
        using var tdy = Tensor.FromArray(RandomData.ToFloat(dy), Shape.Of(b, c, l), device);
        var (du, dk, dd) = LongConv.Backward(tu, tk, td, tdy, LongConvMethod.Fft);
        grads = [du, dk, dd];
        return LongConv.Forward(tu, tk, td, LongConvMethod.Fft);
    }

    /// <summary>max |actual − expected| ≤ bound·max |expected|, and the expected values carry signal.</summary>
    internal static void AssertWithin(double[] expected, double[] actual, double bound, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = expected.Max(Math.Abs), worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            if (!(err <= worst)) { worst = err; at = i; }
        }
        Assert.True(scale > 1e-3, $"{what}: the reference is (near) zero, max |expected| = {scale:E3}");
        Assert.True(worst <= bound * scale,
            $"{what}: element {at} is {actual[at]:R}, expected {expected[at]:R}; max error {worst:E3} > {bound:E1}·{scale:E3}");
    }
}

public sealed class LongConvTestsCpu(DeviceFixture f) : LongConvTests(f, "cpu");

public sealed class LongConvTestsIlgpuCpu(DeviceFixture f) : LongConvTests(f, "ilgpu-cpu");

public sealed class LongConvTestsCuda(DeviceFixture f) : LongConvTests(f, "cuda");
