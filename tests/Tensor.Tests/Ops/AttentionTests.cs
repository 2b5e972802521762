using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class AttentionTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    [Theory]
    [InlineData(1, 1, 1, 0)]
    [InlineData(2, 19, 8, 0)]
    [InlineData(2, 40, 4, 16)]
    [InlineData(1, 33, 5, 7)]
    public void BlockedAttentionMatchesTheReference(int bh, int l, int dh, int block)
    {
        var q = RandomData.AsFloat32(RandomData.Uniform(1, bh * l * dh));
        var k = RandomData.AsFloat32(RandomData.Uniform(2, bh * l * dh));
        var v = RandomData.AsFloat32(RandomData.Uniform(3, bh * l * dh));
        using var tq = Upload(q, 1, bh, l, dh);
        using var tk = Upload(k, 1, bh, l, dh);
        using var tv = Upload(v, 1, bh, l, dh);
        double scale = 1 / Math.Sqrt(dh);
        using var o = global::HyenaIL.Ops.CausalAttention(tq, tk, tv, (float)scale, block);
        Tolerance.AssertClose(Reference.CausalAttention(q, k, v, bh, l, dh, scale), o.ToFloatArray(), $"attention L={l} block={block}",
            atol: Tolerance.SumAtol(l));
    }
}

public sealed class AttentionTestsCpu(DeviceFixture f) : AttentionTests(f, "cpu");

public sealed class AttentionTestsIlgpuCpu(DeviceFixture f) : AttentionTests(f, "ilgpu-cpu");

public sealed class AttentionTestsCuda(DeviceFixture f) : AttentionTests(f, "cuda");
