using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class CausalConvTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2, 3, 17)]
    [InlineData(2, 2, 100)]
    public void ForwardAndTheThreeGradientsMatchTheReference(int b, int c, int l)
    {
        var u = RandomData.AsFloat32(RandomData.Uniform(1, b * c * l));
        var k = RandomData.AsFloat32(RandomData.Uniform(2, c * l));
        var d = RandomData.AsFloat32(RandomData.Uniform(3, c));
        var dy = RandomData.AsFloat32(RandomData.Uniform(4, b * c * l));
        using var tu = Upload(u, b, c, l);
        using var tk = Upload(k, c, l);
        using var td = Upload(d, c);
        using var tdy = Upload(dy, b, c, l);
        using var y = global::HyenaIL.Ops.CausalConvDirect(tu, tk, td);
        double atol = Tolerance.SumAtol(l);
        Tolerance.AssertClose(Reference.CausalConv(u, k, d, b, c, l), y.ToFloatArray(), "causal conv", atol: atol);
        // The gradients are the adjoint: <dy, y(u)> is linear in u, k and D, so each gradient is the reference
        // convolution applied to one-hot inputs; compute them by their defining sums.
        var du = new double[u.Length]; var dk = new double[k.Length]; var dd = new double[c];
        for (int bi = 0; bi < b; bi++)
            for (int ch = 0; ch < c; ch++)
                for (int t = 0; t < l; t++)
                {
                    int i = (bi * c + ch) * l + t;
                    dd[ch] += dy[i] * u[i];
                    du[i] += d[ch] * dy[i];
                    for (int j = 0; j <= t; j++)
                    {
                        du[(bi * c + ch) * l + t - j] += k[ch * l + j] * dy[i];
                        dk[ch * l + j] += dy[i] * u[(bi * c + ch) * l + t - j];
                    }
                }
        var (gu, gk, gd) = global::HyenaIL.Ops.CausalConvDirectBackward(tu, tk, td, tdy);
        using (gu) Tolerance.AssertClose(du, gu.ToFloatArray(), "du", atol: atol);
        using (gk) Tolerance.AssertClose(dk, gk.ToFloatArray(), "dk", atol: Tolerance.SumAtol(b * l));
        using (gd) Tolerance.AssertClose(dd, gd.ToFloatArray(), "dD", atol: Tolerance.SumAtol(b * l));
    }

    [Fact]
    public void AKernelOfTheWrongShapeIsNamed()
    {
        using var u = Upload(new double[12], 1, 2, 6);
        using var k = Upload(new double[10], 2, 5);
        using var d = Upload(new double[2], 2);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.CausalConvDirect(u, k, d));
        Assert.Contains("(2, 6)", e.Message);
        Assert.Contains("(2, 5)", e.Message);
    }
}

public sealed class CausalConvTestsCpu(DeviceFixture f) : CausalConvTests(f, "cpu");

public sealed class CausalConvTestsIlgpuCpu(DeviceFixture f) : CausalConvTests(f, "ilgpu-cpu");

public sealed class CausalConvTestsCuda(DeviceFixture f) : CausalConvTests(f, "cuda");
