using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class OptimizerStepTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(17, 3)]
    [InlineData(1000, 10)]
    public void AdamWMatchesPyTorchsFormulasOverSeveralSteps(int n, int steps)
    {
        double[] p = RandomData.AsFloat32(RandomData.Uniform(1, n)), m = new double[n], v = new double[n];
        using var tp = Upload(p, n);
        using var tm = Upload(m, n);
        using var tv = Upload(v, n);
        const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.1, scale = 0.5;
        for (int step = 1; step <= steps; step++)
        {
            var g = RandomData.AsFloat32(RandomData.Uniform(100 + step, n));
            using var tg = Upload(g, n);
            global::HyenaIL.Ops.AdamWStep(tp, tg, tm, tv, new AdamWStepArgs((float)lr, (float)b1, (float)b2, (float)eps, (float)wd, step, (float)scale));
            // PyTorch AdamW: decay, then bias-corrected Adam step.
            for (int i = 0; i < n; i++)
            {
                double gi = scale * g[i];
                m[i] = b1 * m[i] + (1 - b1) * gi;
                v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                double bc1 = 1 - Math.Pow(b1, step), bc2 = 1 - Math.Pow(b2, step);
                p[i] = p[i] * (1 - lr * wd) - lr / bc1 * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(bc2) + eps);
            }
        }
        Tolerance.AssertClose(p, tp.ToFloatArray(), "AdamW parameters", 1e-5, 1e-6);
        Tolerance.AssertClose(m, tm.ToFloatArray(), "AdamW first moment", 1e-5, 1e-7);
        Tolerance.AssertClose(v, tv.ToFloatArray(), "AdamW second moment", 1e-4, 1e-9);
    }

    [Theory]
    [InlineData(3, 0.0)]
    [InlineData(1000, 0.9)]
    public void SgdWithMomentumMatchesPyTorchsFormulas(int n, double momentum)
    {
        double[] p = RandomData.AsFloat32(RandomData.Uniform(2, n)), buf = new double[n];
        using var tp = Upload(p, n);
        using var tb = Upload(buf, n);
        const double lr = 0.1, wd = 0.01;
        for (int step = 1; step <= 4; step++)
        {
            var g = RandomData.AsFloat32(RandomData.Uniform(200 + step, n));
            using var tg = Upload(g, n);
            global::HyenaIL.Ops.SgdStep(tp, tg, tb, (float)lr, (float)momentum, (float)wd);
            for (int i = 0; i < n; i++)
            {
                double gi = g[i] + wd * p[i];
                buf[i] = momentum * buf[i] + gi;
                p[i] -= lr * buf[i];
            }
        }
        Tolerance.AssertClose(p, tp.ToFloatArray(), "SGD parameters", 1e-5, 1e-6);
    }

    [Fact]
    public void AMomentOfTheWrongShapeIsNamed()
    {
        using var p = Upload(new double[6], 2, 3);
        using var g = Upload(new double[6], 2, 3);
        using var m = Upload(new double[6], 6);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.AdamWStep(p, g, m, p, new AdamWStepArgs(1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1)));
        Assert.Contains("first moment", e.Message);
        Assert.Contains("(2, 3)", e.Message);
    }
}

public sealed class OptimizerStepTestsCpu(DeviceFixture f) : OptimizerStepTests(f, "cpu");

public sealed class OptimizerStepTestsIlgpuCpu(DeviceFixture f) : OptimizerStepTests(f, "ilgpu-cpu");

public sealed class OptimizerStepTestsCuda(DeviceFixture f) : OptimizerStepTests(f, "cuda");
