using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class AttentionGradientTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    public void BlockedAttentionPassesTheGradientCheck(int block) =>
        Grad.Check(v => Fn.CausalAttention(v[0], v[1], v[2], 0.7f, block), Grad.Data(1, 1, 2, 7, 3), Grad.Data(2, 1, 2, 7, 3), Grad.Data(3, 1, 2, 7, 3));
}

public abstract class AttentionDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BackwardMatchesTheCpu()
    {
        double[] q = RandomData.Uniform(1, 2 * 17 * 4), k = RandomData.Uniform(2, 2 * 17 * 4), v = RandomData.Uniform(3, 2 * 17 * 4);
        AssertBackwardMatchesCpu("CausalAttention", x => Fn.CausalAttention(x[0], x[1], x[2], 0.5f, 5), [q, k, v], [[1, 2, 17, 4], [1, 2, 17, 4], [1, 2, 17, 4]]);
    }
}

public sealed class AttentionDeviceTestsIlgpuCpu(DeviceFixture f) : AttentionDeviceTests(f, "ilgpu-cpu");

public sealed class AttentionDeviceTestsCuda(DeviceFixture f) : AttentionDeviceTests(f, "cuda");
