using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests.OpTests;

/// <summary>Shared by the matmul tests: inputs, the reference and the tolerance.</summary>
internal static class MatmulCase
{
    /// <summary>Relative tolerance: a float32 sum of K products is exact to a few ulps relative to the sum of the
    /// terms' magnitudes; with inputs in [−1, 1] that is within 1e-5 of results of order 1 for K ≤ 1000.</summary>
    public const double Rtol = 1e-5;

    /// <summary>Absolute floor for outputs that cancel towards 0: rounding of K terms of magnitude ≤ 1 grows like
    /// √K·eps (Tolerance.SumAtol, 1e-6·√K, about 8 eps·√K).</summary>
    public static double Atol(int k) => Tolerance.SumAtol(k);

    public static int[] ShapeA(int m, int k, bool transA) => transA ? [k, m] : [m, k];

    public static int[] ShapeB(int k, int n, bool transB) => transB ? [n, k] : [k, n];

    public static double[] Inputs(int seed, int[] shape) => RandomData.AsFloat32(RandomData.Uniform(seed, Reference.Size(shape)));

    public static string Name(int[] shapeA, int[] shapeB, bool transA, bool transB) =>
        $"({string.Join("x", shapeA)}){(transA ? "ᵀ" : "")}·({string.Join("x", shapeB)}){(transB ? "ᵀ" : "")}";

    public static TheoryData<int, int, int, bool, bool> WithTransposes(params (int M, int K, int N)[] sizes)
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        foreach (var (m, k, n) in sizes)
            foreach (bool transA in new[] { false, true })
                foreach (bool transB in new[] { false, true })
                    data.Add(m, k, n, transA, transB);
        return data;
    }
}

public abstract class MatmulTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    /// <summary>M × K × N, small enough for the ilgpu-cpu simulator: 1, a K of 1, a long K, and tails that are not
    /// multiples of the register tile (6 × 16/32 on cpu) nor of the kernel's tile and K step (16 × 16 and 4 on the
    /// simulator; 64 × 64 and 16 on a GPU).</summary>
    public static TheoryData<int, int, int, bool, bool> SmallSizes =>
        MatmulCase.WithTransposes((1, 1, 1), (3, 5, 7), (17, 1, 13), (1, 1000, 1), (33, 65, 17));

    /// <summary>(shape of a, shape of b, transA, transB) for each batching rule.</summary>
    public static TheoryData<int[], int[], bool, bool> BatchedShapes => new()
    {
        { [2, 3, 5, 7], [7, 4], false, false }, // b shared, batch folded into M (the Linear layer)
        { [2, 3, 5, 7], [4, 7], false, true },
        { [3, 7, 5], [7, 4], true, false },     // b shared, a transposed: one product per matrix of a
        { [5, 7], [3, 7, 4], false, false },    // a shared by b's batch
        { [7, 5], [3, 4, 7], true, true },
        { [3, 5, 7], [3, 7, 4], false, false }, // both batched
        { [2, 2, 7, 5], [2, 2, 4, 7], true, true },
    };

    [Theory]
    [MemberData(nameof(SmallSizes))]
    public void ProductMatchesTheFloat64Reference(int m, int k, int n, bool transA, bool transB) =>
        AssertProduct(MatmulCase.ShapeA(m, k, transA), MatmulCase.ShapeB(k, n, transB), transA, transB, k);

    [Theory]
    [MemberData(nameof(BatchedShapes))]
    public void BatchedProductsFollowTheBatchRules(int[] shapeA, int[] shapeB, bool transA, bool transB) =>
        AssertProduct(shapeA, shapeB, transA, transB, transA ? shapeA[^2] : shapeA[^1]);

    private void AssertProduct(int[] shapeA, int[] shapeB, bool transA, bool transB, int k)
    {
        var a = MatmulCase.Inputs(1, shapeA);
        var b = MatmulCase.Inputs(2, shapeB);
        var (expected, shape) = Reference.Matmul(a, shapeA, b, shapeB, transA, transB);
        using var ta = Upload(a, shapeA);
        using var tb = Upload(b, shapeB);
        using var c = global::HyenaIL.Ops.Matmul(ta, tb, transA, transB);
        Assert.Equal(new Shape(shape), c.Shape);
        Tolerance.AssertClose(expected, c.ToFloatArray(), $"Matmul {MatmulCase.Name(shapeA, shapeB, transA, transB)}",
            MatmulCase.Rtol, MatmulCase.Atol(k));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void AccumulateAddsTheProductToC(bool transA, bool transB)
    {
        int[] shapeA = MatmulCase.ShapeA(9, 13, transA), shapeB = MatmulCase.ShapeB(13, 11, transB);
        var a = MatmulCase.Inputs(3, shapeA);
        var b = MatmulCase.Inputs(4, shapeB);
        var c0 = MatmulCase.Inputs(5, [9, 11]);
        var (product, _) = Reference.Matmul(a, shapeA, b, shapeB, transA, transB);
        using var ta = Upload(a, shapeA);
        using var tb = Upload(b, shapeB);
        using var tc = Upload(c0, 9, 11);
        global::HyenaIL.Ops.MatmulInto(ta, tb, tc, transA, transB, accumulate: true);
        global::HyenaIL.Ops.MatmulInto(ta, tb, tc, transA, transB, accumulate: true);
        var expected = c0.Select((x, i) => x + 2 * product[i]).ToArray();
        Tolerance.AssertClose(expected, tc.ToFloatArray(), "MatmulInto accumulate twice", MatmulCase.Rtol, MatmulCase.Atol(13));
    }

    [Fact]
    public void MatmulIntoWithoutAccumulateIgnoresWhatCHeld()
    {
        var a = MatmulCase.Inputs(6, [4, 6]);
        var b = MatmulCase.Inputs(7, [6, 5]);
        using var ta = Upload(a, 4, 6);
        using var tb = Upload(b, 6, 5);
        using var tc = Tensor.Full(Shape.Of(4, 5), double.NaN, Device);
        global::HyenaIL.Ops.MatmulInto(ta, tb, tc);
        Tolerance.AssertClose(Reference.Matmul(a, [4, 6], b, [6, 5], false, false).C, tc.ToFloatArray(), "MatmulInto over NaN",
            MatmulCase.Rtol, MatmulCase.Atol(6));
    }

    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 4, 5 }, false, false, "(2, 3)", "(4, 5)")]
    [InlineData(new[] { 2, 3 }, new[] { 3, 5 }, true, false, "(2, 3)", "(3, 5)")]
    [InlineData(new[] { 2, 3 }, new[] { 3, 5 }, false, true, "(2, 3)", "(3, 5)")]
    [InlineData(new[] { 3 }, new[] { 3, 5 }, false, false, "(3,)", "(3, 5)")]
    [InlineData(new[] { 2, 4, 3 }, new[] { 3, 3, 5 }, false, false, "(2, 4, 3)", "(3, 3, 5)")]
    public void MismatchedShapesNameMatmulBothShapesAndTheTransposes(int[] shapeA, int[] shapeB, bool transA, bool transB,
        string nameA, string nameB)
    {
        using var a = Upload(new double[Reference.Size(shapeA)], shapeA);
        using var b = Upload(new double[Reference.Size(shapeB)], shapeB);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.Matmul(a, b, transA, transB));
        Assert.Contains("Matmul", e.Message);
        Assert.Contains(nameA, e.Message);
        Assert.Contains(nameB, e.Message);
        Assert.Contains($"transA: {(transA ? "true" : "false")}", e.Message);
        Assert.Contains($"transB: {(transB ? "true" : "false")}", e.Message);
    }

    [Fact]
    public void MatmulIntoRejectsAWrongOutputShapeAndAnAliasedOutput()
    {
        using var a = Upload(new double[6], 2, 3);
        using var b = Upload(new double[12], 3, 4);
        using var wrong = Tensor.Zeros(Shape.Of(4, 2), Device);
        var e = Assert.Throws<ShapeException>(() => global::HyenaIL.Ops.MatmulInto(a, b, wrong));
        Assert.Contains("MatmulInto", e.Message);
        Assert.Contains("(2, 4)", e.Message);
        Assert.Contains("(4, 2)", e.Message);
        using var square = Upload(new double[9], 3, 3);
        var alias = Assert.Throws<ArgumentException>(() => global::HyenaIL.Ops.MatmulInto(square, square, square));
        Assert.Contains("shares its buffer", alias.Message);
    }
}

public sealed class MatmulTestsCpu(DeviceFixture f) : MatmulTests(f, "cpu");

public sealed class MatmulTestsIlgpuCpu(DeviceFixture f) : MatmulTests(f, "ilgpu-cpu");

public sealed class MatmulTestsCuda(DeviceFixture f) : MatmulTests(f, "cuda");

/// <summary>The cpu device's GEMM beyond the shared cases: sizes spanning several cache blocks (K past one KC
/// block of 512, N past one NC block of 2048), threads splitting rows (100 rows) or column panels (13 rows), every
/// micro-kernel width, batches run in parallel, and float64.</summary>
public sealed class MatmulCpuTests
{
    public static TheoryData<int, int, int, bool, bool> LargeSizes => MatmulCase.WithTransposes((100, 200, 300), (13, 600, 2100));

    [Theory]
    [MemberData(nameof(LargeSizes))]
    public void LargeProductsMatchTheFloat64Reference(int m, int k, int n, bool transA, bool transB)
    {
        int[] shapeA = MatmulCase.ShapeA(m, k, transA), shapeB = MatmulCase.ShapeB(k, n, transB);
        var a = MatmulCase.Inputs(8, shapeA);
        var b = MatmulCase.Inputs(9, shapeB);
        using var ta = Upload(a, shapeA);
        using var tb = Upload(b, shapeB);
        using var c = global::HyenaIL.Ops.Matmul(ta, tb, transA, transB);
        Tolerance.AssertClose(Reference.Matmul(a, shapeA, b, shapeB, transA, transB).C, c.ToFloatArray(),
            $"Matmul {MatmulCase.Name(shapeA, shapeB, transA, transB)}", MatmulCase.Rtol, MatmulCase.Atol(k));
    }

    /// <summary>Each micro-kernel, forced, on tails of its tile (61 = 10·6 + 1 rows; 75 columns = 2·32 + 11 =
    /// 4·16 + 11 = 9·8 + 3), K spanning two KC blocks, with and without accumulation. The Vector512 case reports
    /// skipped on a CPU without AVX-512F.</summary>
    [Theory]
    [InlineData("Vector512")]
    [InlineData("Vector256")]
    [InlineData("Vector128")]
    public void EveryMicroKernelMatchesTheFloat64Reference(string kernelName)
    {
        var kernel = Enum.Parse<GemmKernel>(kernelName);
        if (!MatmulCpu.IsSupported(kernel))
            Assert.Skip($"the {kernel} kernel needs AVX-512F, which this CPU lacks");
        const int m = 61, k = 600, n = 75;
        foreach (bool transA in new[] { false, true })
        {
            foreach (bool transB in new[] { false, true })
            {
                int[] shapeA = MatmulCase.ShapeA(m, k, transA), shapeB = MatmulCase.ShapeB(k, n, transB);
                var a = MatmulCase.Inputs(10, shapeA);
                var b = MatmulCase.Inputs(11, shapeB);
                var c0 = MatmulCase.Inputs(12, [m, n]);
                var product = Reference.Matmul(a, shapeA, b, shapeB, transA, transB).C;
                using var ta = Upload(a, shapeA);
                using var tb = Upload(b, shapeB);
                using var tc = Upload(c0, m, n);
                string what = $"{kernel} {MatmulCase.Name(shapeA, shapeB, transA, transB)}";
                global::HyenaIL.Ops.MatmulInto(ta, tb, tc, transA, transB, accumulate: true, kernel);
                Tolerance.AssertClose(c0.Select((x, i) => x + product[i]).ToArray(), tc.ToFloatArray(), what + " accumulated",
                    MatmulCase.Rtol, MatmulCase.Atol(k));
                global::HyenaIL.Ops.MatmulInto(ta, tb, tc, transA, transB, accumulate: false, kernel);
                Tolerance.AssertClose(product, tc.ToFloatArray(), what, MatmulCase.Rtol, MatmulCase.Atol(k));
            }
        }
    }

    [Theory]
    [InlineData(new[] { 40, 8, 9 }, new[] { 40, 9, 10 }, false, false)] // small products: parallel over the batch
    [InlineData(new[] { 3, 200, 100 }, new[] { 200, 300 }, true, false)] // large products: parallel inside each
    [InlineData(new[] { 4, 50, 64 }, new[] { 4, 80, 64 }, false, true)]  // attention-like scores q·kᵀ
    public void BatchesOfSmallAndLargeProductsMatchTheReference(int[] shapeA, int[] shapeB, bool transA, bool transB)
    {
        var a = MatmulCase.Inputs(13, shapeA);
        var b = MatmulCase.Inputs(14, shapeB);
        using var ta = Upload(a, shapeA);
        using var tb = Upload(b, shapeB);
        using var c = global::HyenaIL.Ops.Matmul(ta, tb, transA, transB);
        int k = transA ? shapeA[^2] : shapeA[^1];
        Tolerance.AssertClose(Reference.Matmul(a, shapeA, b, shapeB, transA, transB).C, c.ToFloatArray(),
            $"Matmul {MatmulCase.Name(shapeA, shapeB, transA, transB)}", MatmulCase.Rtol, MatmulCase.Atol(k));
    }

    public static TheoryData<int, int, int, bool, bool> Float64Sizes => MatmulCase.WithTransposes((1, 1, 1), (3, 5, 7), (33, 65, 17));

    /// <summary>float64 products agree with the reference to rounding: the two differ only in summation order, so
    /// 1e-13 relative (about 500 eps) and 1e-14·√K absolute.</summary>
    [Theory]
    [MemberData(nameof(Float64Sizes))]
    public void Float64ProductsMatchTheReferenceToRounding(int m, int k, int n, bool transA, bool transB)
    {
        int[] shapeA = MatmulCase.ShapeA(m, k, transA), shapeB = MatmulCase.ShapeB(k, n, transB);
        var a = RandomData.Uniform(15, Reference.Size(shapeA));
        var b = RandomData.Uniform(16, Reference.Size(shapeB));
        using var ta = Tensor.FromArray(a, new Shape(shapeA), Device.Cpu);
        using var tb = Tensor.FromArray(b, new Shape(shapeB), Device.Cpu);
        using var c = global::HyenaIL.Ops.Matmul(ta, tb, transA, transB);
        Assert.Equal(DType.Float64, c.DType);
        var expected = Reference.Matmul(a, shapeA, b, shapeB, transA, transB).C;
        string what = $"float64 Matmul {MatmulCase.Name(shapeA, shapeB, transA, transB)}";
        Tolerance.AssertClose(expected, c.ToDoubleArray(), what, 1e-13, 1e-14 * Math.Sqrt(k));
        global::HyenaIL.Ops.MatmulInto(ta, tb, c, transA, transB, accumulate: true);
        Tolerance.AssertClose(expected.Select(x => 2 * x).ToArray(), c.ToDoubleArray(), what + " accumulated", 1e-13, 1e-14 * Math.Sqrt(k));
    }

    private static Tensor Upload(double[] data, params int[] shape) =>
        Tensor.FromArray(RandomData.ToFloat(data), new Shape(shape), Device.Cpu);
}

public sealed class MatmulShapeTests
{
    [Fact]
    public void AProductWhoseOperandShapesWouldOverflowOnTheWayStillPlansItsOutput()
    {
        // (1, 1, 3, 50000)ᵀ · (1, 1, 3, 2): the output is (1, 1, 50000, 2), but replacing one dimension of a at a time
        // would pass through (1, 1, 50000, 50000), more elements than a tensor may hold.
        using var a = Tensor.Zeros(Shape.Of(1, 1, 3, 50000), Device.Cpu);
        using var b = Tensor.Zeros(Shape.Of(1, 1, 3, 2), Device.Cpu);
        using var c = Ops.Matmul(a, b, transA: true);
        Assert.Equal(Shape.Of(1, 1, 50000, 2), c.Shape);
    }
}
