using System.Runtime.InteropServices;

namespace HyenaIL.Bench;

/// <summary>
/// The few FFTW (single precision, libfftw3f) calls the FFT benchmarks compare against, bound by P/Invoke. Only
/// the benchmark project uses FFTW; the library needs libfftw3-single3 (Debian) installed.
/// </summary>
internal static partial class Fftw
{
    private const string Library = "libfftw3f.so.3";
    private const string ThreadsLibrary = "libfftw3f_threads.so.3";

    /// <summary>FFTW_FORWARD: the e^{−2πi·jk/n} transform.</summary>
    public const int Forward = -1;

    /// <summary>FFTW_MEASURE: plan by timing candidate algorithms (overwrites the arrays while planning).</summary>
    public const uint Measure = 0;

    [LibraryImport(Library, EntryPoint = "fftwf_malloc")]
    public static partial nint Malloc(nuint bytes);

    [LibraryImport(Library, EntryPoint = "fftwf_free")]
    public static partial void Free(nint p);

    /// <summary>fftwf_plan_many_dft: <paramref name="howMany"/> contiguous transforms of n complex floats each.</summary>
    [LibraryImport(Library, EntryPoint = "fftwf_plan_many_dft")]
    public static unsafe partial nint PlanManyDft(int rank, int* n, int howMany, nint input, int* inEmbed, int inStride, int inDistance,
        nint output, int* outEmbed, int outStride, int outDistance, int sign, uint flags);

    [LibraryImport(Library, EntryPoint = "fftwf_execute")]
    public static partial void Execute(nint plan);

    [LibraryImport(Library, EntryPoint = "fftwf_destroy_plan")]
    public static partial void DestroyPlan(nint plan);

    [LibraryImport(ThreadsLibrary, EntryPoint = "fftwf_init_threads")]
    public static partial int InitThreads();

    [LibraryImport(ThreadsLibrary, EntryPoint = "fftwf_plan_with_nthreads")]
    public static partial void PlanWithThreads(int threads);

    /// <summary>A forward plan for <paramref name="batch"/> rows of <paramref name="n"/> points, out of place, with
    /// <paramref name="threads"/> threads.</summary>
    public static unsafe nint PlanBatch(int n, int batch, nint input, nint output, int threads)
    {
        if (InitThreads() == 0) throw new InvalidOperationException("fftwf_init_threads failed");
        PlanWithThreads(threads);
        int size = n;
        var plan = PlanManyDft(1, &size, batch, input, null, 1, n, output, null, 1, n, Forward, Measure);
        if (plan == 0) throw new InvalidOperationException($"FFTW could not plan {batch} × {n}");
        return plan;
    }
}
