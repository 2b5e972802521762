using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class SoftmaxGradientTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SoftmaxAndLogSoftmaxPassTheGradientCheck(bool causal)
    {
        Grad.Check(v => Fn.Softmax(v[0], causal), Grad.Data(1, 2, 5, 5));
        // −∞ outputs of a masked log-softmax would poison the weighted sum; mask them out by exponentiating.
        Grad.Check(v => causal ? Fn.Exp(Fn.LogSoftmax(v[0], true)) : Fn.LogSoftmax(v[0]), Grad.Data(2, 2, 4, 6));
    }
}

public abstract class SoftmaxDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BackwardMatchesTheCpu()
    {
        var x = RandomData.Uniform(1, 2 * 7 * 7, -3, 3);
        AssertBackwardMatchesCpu("Softmax", v => Fn.Softmax(v[0]), [x], [[2, 7, 7]]);
        AssertBackwardMatchesCpu("Softmax causal", v => Fn.Softmax(v[0], true), [x], [[2, 7, 7]]);
        AssertBackwardMatchesCpu("LogSoftmax", v => Fn.LogSoftmax(v[0]), [x], [[2, 7, 7]]);
        // Masked outputs are −∞ on both devices (compared as equal) and their gradients 0.
        AssertBackwardMatchesCpu("LogSoftmax causal", v => Fn.LogSoftmax(v[0], true), [x], [[2, 7, 7]]);
    }
}

public sealed class SoftmaxDeviceTestsIlgpuCpu(DeviceFixture f) : SoftmaxDeviceTests(f, "ilgpu-cpu");

public sealed class SoftmaxDeviceTestsCuda(DeviceFixture f) : SoftmaxDeviceTests(f, "cuda");
