using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.Nodes;

public sealed class EmbeddingGradientTests
{
    [Fact]
    public void RepeatedIdsAccumulateAndPassTheGradientCheck() =>
        Grad.Check(v => Fn.Embedding(v[0], v[1]), Grad.Data(1, 5, 3),
            Tensor.FromArray(new[] { 4, 0, 4, 2, 4, 1 }, Shape.Of(2, 3), Device.Cpu));
}

public abstract class EmbeddingDeviceTests(DeviceFixture f, string d) : DeviceBackwardTestBase(f, d)
{
    [Fact]
    public void BackwardMatchesTheCpu() =>
        AssertBackwardMatchesCpu("Embedding", v => Fn.Embedding(v[0], v[1]),
            [RandomData.Uniform(1, 7 * 9), RandomData.Ints(2, 11, 7)], [[7, 9], [11]]);
}

public sealed class EmbeddingDeviceTestsIlgpuCpu(DeviceFixture f) : EmbeddingDeviceTests(f, "ilgpu-cpu");

public sealed class EmbeddingDeviceTestsCuda(DeviceFixture f) : EmbeddingDeviceTests(f, "cuda");
