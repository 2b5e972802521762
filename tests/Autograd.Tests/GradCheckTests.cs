using HyenaIL.Autograd;
using Xunit;

namespace HyenaIL.Tests;

public sealed class GradCheckTests
{
    [Fact]
    public void ACorrectBackwardPasses()
    {
        using var x = Grad.Data(1, 3, 4);
        var report = GradCheck.Run(v => Fn.Tanh(v[0]), [x]);
        Assert.True(report.Passed, report.Detail);
        Assert.Equal(12, report.Checked);
    }

    [Fact]
    public void ADeliberatelyWrongBackwardFails()
    {
        // sin with the derivative of −sin: the check must catch it.
        using var x = Grad.Data(2, 5);
        var report = GradCheck.Run(v => Graph.Record("WrongSin", Ops.Sin(v[0].Value), [v[0]],
            (_, dy) => v[0].AddGrad(Ops.Mul(dy, Ops.Neg(Ops.Sin(v[0].Value))))), [x]);
        Assert.False(report.Passed);
        Assert.Contains("analytic", report.Detail);
        Assert.Throws<GradCheckException>(report.AssertPassed);
    }

    [Fact]
    public void ABackwardOffByOneTenThousandthFails()
    {
        // A subtle error: the gradient scaled by (1 + 1e-4). Far above rtol 1e-6, so it must fail.
        using var x = Grad.Data(3, 7);
        var report = GradCheck.Run(v => Graph.Record("Scaled", Ops.Exp(v[0].Value), [v[0]],
            (y, dy) => v[0].AddGrad(Ops.MulScalar(Ops.Mul(dy, y.Value), 1.0001f))), [x]);
        Assert.False(report.Passed, report.Detail);
    }

    [Fact]
    public void AFunctionThatIgnoresItsInputIsReportedAsNoSignal()
    {
        using var x = Grad.Data(4, 3);
        var report = GradCheck.Run(v => Fn.Affine(v[0], 0f, 1f), [x]);
        Assert.False(report.Passed);
        Assert.Contains("pass on zeros", report.Detail);
    }

    [Fact]
    public void Float32InputsAreRefused()
    {
        using var x = Tensor.Zeros(Shape.Of(3), Device.Cpu);
        var e = Assert.Throws<ArgumentException>(() => GradCheck.Run(v => Fn.Exp(v[0]), [x]));
        Assert.Contains("float64", e.Message);
    }
}
