using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class UnaryTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<UnaryOp, int> Cases()
    {
        var data = new TheoryData<UnaryOp, int>();
        foreach (var op in Enum.GetValues<UnaryOp>())
            foreach (var n in new[] { 1, 3, 17, 1000 })
                data.Add(op, n);
        return data;
    }

    private static double[] Inputs(UnaryOp op, int n) => RandomData.AsFloat32(op is UnaryOp.Log or UnaryOp.Sqrt
        ? RandomData.Uniform(n, n, 0.1, 3.0)
        : RandomData.Uniform(n, n, -3.0, 3.0));

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesTheFloat64Reference(UnaryOp op, int n)
    {
        var x = Inputs(op, n);
        var (f, _) = Reference.Unary(op);
        using var tx = Upload(x, n);
        using var y = global::HyenaIL.Ops.Unary(op, tx);
        Tolerance.AssertClose(x.Select(f).ToArray(), y.ToFloatArray(), $"{op} n={n}", atol: 1e-6);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void BackwardIsTheDerivativeTimesTheIncomingGradient(UnaryOp op, int n)
    {
        var x = Inputs(op, n);
        var dy = RandomData.AsFloat32(RandomData.Uniform(n + 7, n));
        var (_, df) = Reference.Unary(op);
        using var tx = Upload(x, n);
        using var tdy = Upload(dy, n);
        using var y = global::HyenaIL.Ops.Unary(op, tx);
        using var dx = global::HyenaIL.Ops.UnaryBackward(op, tx, y, tdy);
        // The GELU reference derivative is itself a central difference (error ~1e-10), far inside the tolerance.
        Tolerance.AssertClose(x.Select((v, i) => dy[i] * df(v)).ToArray(), dx.ToFloatArray(), $"{op}' n={n}", rtol: 2e-5, atol: 2e-6);
    }

    [Fact]
    public void AffineScalesAndShifts()
    {
        var x = RandomData.AsFloat32(RandomData.Uniform(5, 33));
        using var tx = Upload(x, 3, 11);
        using var y = global::HyenaIL.Ops.Affine(tx, -2.5f, 0.75f);
        Tolerance.AssertClose(x.Select(v => -2.5 * v + 0.75).ToArray(), y.ToFloatArray(), "Affine");
    }

    [Fact]
    public void CreationFillsZerosConstantsAndRanges()
    {
        using var z = Tensor.Zeros(Shape.Of(3, 5), Device);
        Assert.All(z.ToFloatArray(), v => Assert.Equal(0f, v));
        using var f = Tensor.Full(Shape.Of(17), -1.5, Device);
        Assert.All(f.ToFloatArray(), v => Assert.Equal(-1.5f, v));
        using var r = Tensor.Arange(1000, Device);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (float)i), r.ToFloatArray());
        using var ri = Tensor.Arange(17, Device, DType.Int32);
        Assert.Equal(Enumerable.Range(0, 17), ri.ToIntArray());
    }
}

public sealed class UnaryTestsCpu(DeviceFixture f) : UnaryTests(f, "cpu");

public sealed class UnaryTestsIlgpuCpu(DeviceFixture f) : UnaryTests(f, "ilgpu-cpu");

public sealed class UnaryTestsCuda(DeviceFixture f) : UnaryTests(f, "cuda");
