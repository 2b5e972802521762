using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

public abstract class MatmulTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    public static TheoryData<int, int, int, bool, bool> Cases()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        foreach (var (m, n, k) in new[] { (1, 1, 1), (3, 5, 7), (17, 1, 13), (1, 1000, 1), (33, 65, 17), (7, 16, 300) })
            foreach (var ta in new[] { false, true })
                foreach (var tb in new[] { false, true })
                    data.Add(m, n, k, ta, tb);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryTransposeCombinationMatchesTheTripleLoop(int m, int n, int k, bool ta, bool tb)
    {
        var a = RandomData.AsFloat32(RandomData.Uniform(1, m * k));
        var b = RandomData.AsFloat32(RandomData.Uniform(2, k * n));
        using var x = Upload(a, ta ? [k, m] : [m, k]);
        using var y = Upload(b, tb ? [n, k] : [k, n]);
        using var c = global::HyenaIL.Ops.Matmul(x, y, ta, tb);
        Assert.Equal(Shape.Of(m, n), c.Shape);
        Tolerance.AssertClose(Reference.Matmul(a, b, m, n, k, ta, tb), c.ToFloatArray(), $"{m}x{n}x{k} {ta} {tb}", atol: Tolerance.SumAtol(k));
    }

    [Theory]
    [InlineData(100, 200, 300)]
    [InlineData(130, 2100, 260)]
    [InlineData(257, 19, 513)]
    public void LargeMatricesCrossEveryBlockBoundary(int m, int n, int k)
    {
        if (!IsCpu) Assert.Skip("large matrices run on the cpu device only (the simulator is slow)");
        var a = RandomData.AsFloat32(RandomData.Uniform(3, m * k));
        var b = RandomData.AsFloat32(RandomData.Uniform(4, k * n));
        var c0 = RandomData.AsFloat32(RandomData.Uniform(5, m * n));
        using var x = Upload(a, m, k);
        using var y = Upload(b, k, n);
        using var c = Upload(c0, m, n);
        global::HyenaIL.Ops.MatmulInto(x, y, c, accumulate: true);
        var expected = Reference.Matmul(a, b, m, n, k, false, false).Select((v, i) => v + c0[i]).ToArray();
        Tolerance.AssertClose(expected, c.ToFloatArray(), $"{m}x{n}x{k} accumulate", atol: Tolerance.SumAtol(k));
    }

    [Fact]
    public void BatchesSharedOperandsAndAccumulationFollowTheRules()
    {
        var a = RandomData.AsFloat32(RandomData.Uniform(6, 3 * 5 * 4));
        var b = RandomData.AsFloat32(RandomData.Uniform(7, 4 * 6));
        var bb = RandomData.AsFloat32(RandomData.Uniform(8, 3 * 4 * 6));
        using var ta = Upload(a, 3, 5, 4);
        using var tb = Upload(b, 4, 6);
        using var tbb = Upload(bb, 3, 4, 6);
        using var shared = global::HyenaIL.Ops.Matmul(ta, tb);
        using var batched = global::HyenaIL.Ops.Matmul(ta, tbb);
        var s = shared.ToFloatArray();
        var p = batched.ToFloatArray();
        for (int i = 0; i < 3; i++)
        {
            Tolerance.AssertClose(Reference.Matmul(a[(i * 20)..((i + 1) * 20)], b, 5, 6, 4, false, false), s.AsSpan(i * 30, 30), $"shared b, batch {i}");
            Tolerance.AssertClose(Reference.Matmul(a[(i * 20)..((i + 1) * 20)], bb[(i * 24)..((i + 1) * 24)], 5, 6, 4, false, false), p.AsSpan(i * 30, 30), $"batched, batch {i}");
        }
        using var twice = Upload(new double[3 * 5 * 6], 3, 5, 6);
        global::HyenaIL.Ops.MatmulInto(ta, tbb, twice, accumulate: true);
        global::HyenaIL.Ops.MatmulInto(ta, tbb, twice, accumulate: true);
        Tolerance.AssertClose(p.Select(v => 2.0 * v).ToArray(), twice.ToFloatArray(), "accumulated twice");
    }

    [Fact]
    public void Float64IsExactToRounding()
    {
        if (!IsCpu) Assert.Skip("float64 exists on the cpu device only");
        var a = RandomData.Uniform(9, 7 * 9);
        var b = RandomData.Uniform(10, 9 * 5);
        using var x = Tensor.FromArray(a, Shape.Of(7, 9), Device);
        using var y = Tensor.FromArray(b, Shape.Of(5, 9), Device);
        using var c = global::HyenaIL.Ops.Matmul(x, y, transB: true);
        Tolerance.AssertClose(Reference.Matmul(a, b, 7, 5, 9, false, true), c.ToDoubleArray(), "float64", 1e-14, 1e-15);
    }

    [Fact]
    public void MismatchedShapesNameBothOperandsAndTheTransposes()
    {
        using var x = Upload(new double[6], 2, 3);
        using var y = Upload(new double[8], 4, 2);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.Matmul(x, y));
        Assert.Contains("(2, 3)", e.Message);
        Assert.Contains("(4, 2)", e.Message);
        using var z = Upload(new double[12], 2, 3, 2);
        using var w = Upload(new double[12], 3, 2, 2);
        Assert.Contains("batch", Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.Matmul(z, w)).Message);
    }
}

public sealed class MatmulTestsCpu(DeviceFixture f) : MatmulTests(f, "cpu");

public sealed class MatmulTestsIlgpuCpu(DeviceFixture f) : MatmulTests(f, "ilgpu-cpu");

public sealed class MatmulTestsCuda(DeviceFixture f) : MatmulTests(f, "cuda");
