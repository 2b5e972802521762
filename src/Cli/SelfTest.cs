using System.Reflection;

namespace HyenaIL.Cli;

/// <summary>
/// Runs every operation on a device and on the <c>cpu</c> device from the same random inputs and compares the
/// outputs: the worst relative error max|device − cpu| / max|cpu| per case. On an ILGPU device it also checks that
/// every kernel the library defines was exercised. This is how a GPU is checked (../shared/gpu/README.md).
/// </summary>
public static class SelfTest
{
    /// <summary>GPU transcendental functions are approximate in the last bits; sums change order.</summary>
    public const double Threshold = 1e-4;

    public sealed record CaseResult(string Name, double WorstRelativeError, string? Error)
    {
        public bool Passed => Error is null && WorstRelativeError <= Threshold;
    }

    public sealed record Report(IReadOnlyList<CaseResult> Cases, IReadOnlyList<string> UnexercisedKernels, int KernelCount)
    {
        public bool Passed => Cases.All(c => c.Passed) && UnexercisedKernels.Count == 0;
    }

    public static Report Run(Device device, bool large, Action<CaseResult>? onCase = null)
    {
        var results = new List<CaseResult>();
        foreach (var (name, run) in SelfTestCases.All(large))
        {
            CaseResult r;
            try
            {
                var expected = run(Device.Cpu);
                var actual = run(device);
                double worst = 0;
                for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, RelativeError(expected[i], actual[i]));
                r = new CaseResult(name, worst, null);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                r = new CaseResult(name, double.NaN, $"{e.GetType().Name}: {e.Message}");
            }
            results.Add(r);
            onCase?.Invoke(r);
        }
        var defined = DefinedKernels();
        var missing = device is IlgpuDevice g
            ? defined.Except(g.LoadedKernels.Select(Describe)).Order().ToList()
            : [];
        return new Report(results, missing, defined.Count);
    }

    private static double RelativeError(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length) return double.PositiveInfinity;
        double scale = 0, err = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsFinite(expected[i])) scale = Math.Max(scale, Math.Abs(expected[i]));
            if (float.IsNegativeInfinity(expected[i]) && float.IsNegativeInfinity(actual[i])) continue;
            err = Math.Max(err, Math.Abs((double)expected[i] - actual[i]));
        }
        return double.IsNaN(err) ? double.PositiveInfinity : err / Math.Max(scale, 1e-30);
    }

    /// <summary>Every [Kernel] method of the libraries that define kernels (the tensor engine and the FFT), generic ones
    /// per listed instantiation.</summary>
    public static IReadOnlyCollection<string> DefinedKernels()
    {
        var names = new HashSet<string>();
        Assembly[] assemblies = [typeof(Tensor).Assembly, typeof(Fft.FftPlan).Assembly];
        const BindingFlags all = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        foreach (var type in assemblies.SelectMany(a => a.GetTypes()))
            foreach (var m in type.GetMethods(all))
                if (m.GetCustomAttribute<KernelAttribute>() is { } attr)
                {
                    if (m.IsGenericMethodDefinition) foreach (var t in attr.Instantiations) names.Add(Describe(m.MakeGenericMethod(t)));
                    else names.Add(Describe(m));
                }
        return names;
    }

    private static string Describe(MethodInfo m) =>
        $"{m.DeclaringType?.Name}.{m.Name}" + (m.IsGenericMethod ? $"<{string.Join(",", m.GetGenericArguments().Select(t => t.Name))}>" : "");
}
