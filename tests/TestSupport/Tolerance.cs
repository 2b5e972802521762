using Xunit;

namespace HyenaIL.TestSupport;

/// <summary>
/// Tolerances for comparing float32 results with float64 references, stated once:
/// |actual − expected| ≤ atol + rtol·|expected|, element by element. Every comparison also checks that the
/// reference carries signal well above atol, so a test cannot pass by comparing zeros.
/// </summary>
public static class Tolerance
{
    /// <summary>Elementwise float32 ops: a few ulps of float32 (2^-23 ≈ 1.2e-7), with headroom for the
    /// transcendental functions' last-bit differences.</summary>
    public const double Rtol = 1e-5;

    /// <summary>Absolute floor for values that cancel to near zero; far below the unit-scale test signals.</summary>
    public const double Atol = 1e-6;

    /// <summary>Sums over K terms (matmul, reductions, norms): rounding grows like sqrt(K)·eps·|terms|, so the
    /// absolute floor is scaled by the magnitude of the terms summed.</summary>
    public static double SumAtol(int terms, double termScale = 1.0) => 1e-6 * Math.Sqrt(Math.Max(1, terms)) * termScale;

    /// <summary>Gradient checks in float64: central differences with h = 1e-6 have truncation error ~h² and
    /// rounding error ~eps/h ≈ 1e-10, so 1e-6 relative leaves a wide margin yet catches any real error.</summary>
    public const double GradRtol = 1e-6;

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, string what,
        double rtol = Rtol, double atol = Atol)
    {
        var a = new double[actual.Length];
        for (int i = 0; i < a.Length; i++) a[i] = actual[i];
        AssertClose(expected, a, what, rtol, atol);
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, string what,
        double rtol = Rtol, double atol = Atol, bool requireSignal = true)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: expected {expected.Length} values, got {actual.Length}");
        double maxRef = 0;
        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], x = actual[i];
            maxRef = Math.Max(maxRef, Math.Abs(e));
            double allowed = atol + rtol * Math.Abs(e);
            double err = Math.Abs(x - e);
            if (double.IsNaN(x) != double.IsNaN(e) || (!double.IsNaN(e) && !(err <= allowed) && !(double.IsInfinity(e) && x == e)))
            {
                double excess = double.IsNaN(err) ? double.PositiveInfinity : err / allowed;
                if (worst < 0 || excess > worstExcess) { worst = i; worstExcess = excess; }
            }
        }
        if (worst >= 0)
            Assert.Fail($"{what}: element {worst} is {actual[worst]:R}, expected {expected[worst]:R} " +
                        $"(|diff| {Math.Abs(actual[worst] - expected[worst]):E3} > atol {atol:E1} + rtol {rtol:E1}·|expected|; " +
                        $"{worstExcess:F1}× the allowance)");
        if (requireSignal && expected.Length > 0)
            Assert.True(maxRef > 10 * atol, $"{what}: the reference's largest magnitude {maxRef:E3} is not well above atol {atol:E1}; the test would pass on zeros");
    }

    /// <summary>Compares two float32 results of the same computation on two devices.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what,
        double rtol = Rtol, double atol = Atol)
    {
        var e = new double[expected.Length];
        for (int i = 0; i < e.Length; i++) e[i] = expected[i];
        AssertClose(e, actual, what, rtol, atol);
    }

    /// <summary>Relative L2 error ‖actual − expected‖ / ‖expected‖.</summary>
    public static double RelativeL2(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        double num = 0, den = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = actual[i] - expected[i];
            num += d * d;
            den += expected[i] * expected[i];
        }
        return Math.Sqrt(num / den);
    }
}
