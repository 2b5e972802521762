using System.Diagnostics;
using System.Runtime.InteropServices;

namespace HyenaIL.Bench;

/// <summary>
/// HyenaIL's cpu matmul and OpenBLAS's cblas_sgemm timed alternately in one process, sample by sample, on the same
/// inputs and thread count, so that both see the same load on a shared, noisy machine. Each sample repeats the
/// product for about 20 ms; the report gives both medians and the median of the ratios of adjacent samples.
/// Run: <c>dotnet run -c Release --project bench -- side-by-side [seconds per shape]</c>. Needs OpenBLAS
/// (Debian: libopenblas0-pthread); this mode only, not the BenchmarkDotNet suites.
/// </summary>
public static unsafe class SideBySide
{
    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    /// <summary>The benchmark shapes, then a Linear layer's two backward products (M x K x N of the product).</summary>
    private static readonly (string Name, int M, int K, int N, bool TransA, bool TransB)[] Cases =
    [
        .. MatmulBenchmarks.Shapes.Select(s => s.Split('x').Select(int.Parse).ToArray()).Select(d => ($"{d[0]}x{d[1]}x{d[2]}", d[0], d[1], d[2], false, false)),
        ("dW = xᵀ·dy 256x8192x768", 256, 8192, 768, true, false),
        ("dx = dy·Wᵀ 8192x768x256", 8192, 768, 256, false, true),
    ];

    public static void Run(string[] args)
    {
        double seconds = args.Length > 1 ? double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 10;
        if (!NativeLibrary.TryLoad("libopenblas.so.0", out var lib))
            throw new DllNotFoundException("side-by-side needs OpenBLAS (libopenblas.so.0): apt-get install libopenblas0-pthread");
        var sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)
            NativeLibrary.GetExport(lib, "cblas_sgemm");
        var setThreads = (delegate* unmanaged<int, void>)NativeLibrary.GetExport(lib, "openblas_set_num_threads");
        var coreName = (delegate* unmanaged<nint>)NativeLibrary.GetExport(lib, "openblas_get_corename");
        int threads = Environment.ProcessorCount;
        setThreads(threads);
        Console.WriteLine($"OpenBLAS core {Marshal.PtrToStringAnsi(coreName())}, {threads} threads for both; HyenaIL on {Device.Cpu.Description}");
        Console.WriteLine("| product (M x K x N) | HyenaIL GFLOP/s | OpenBLAS GFLOP/s | ratio of medians | median of paired ratios | pairs |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var (name, m, k, n, transA, transB) in Cases)
        {
            var random = new Random(1);
            int[] shapeA = transA ? [k, m] : [m, k], shapeB = transB ? [n, k] : [k, n];
            using var a = Tensor.FromArray(Enumerable.Range(0, m * k).Select(_ => random.NextSingle() - 0.5f).ToArray(), new Shape(shapeA), Device.Cpu);
            using var b = Tensor.FromArray(Enumerable.Range(0, k * n).Select(_ => random.NextSingle() - 0.5f).ToArray(), new Shape(shapeB), Device.Cpu);
            using var c = Tensor.Empty(Shape.Of(m, n), Device.Cpu);
            fixed (float* pa = a.CpuArray<float>(), pb = b.CpuArray<float>(), pc = c.CpuArray<float>())
            {
                float* x = pa, y = pb, z = pc;
                Action ours = () => Ops.MatmulInto(a, b, c, transA, transB);
                Action blas = () => sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k,
                    1f, x, shapeA[1], y, shapeB[1], 0f, z, n);
                var (hyena, openblas, paired, pairs) = Alternate(ours, blas, 2.0 * m * n * k, seconds);
                Console.WriteLine($"| {name} | {hyena:F1} | {openblas:F1} | {hyena / openblas:F2} | {paired:F2} | {pairs} |");
            }
        }
    }

    private static (double Ours, double Theirs, double PairedRatio, int Pairs) Alternate(Action ours, Action theirs, double flops, double seconds)
    {
        for (int i = 0; i < 10; i++) { ours(); theirs(); }
        var watch = Stopwatch.StartNew();
        ours();
        int reps = Math.Max(1, (int)(0.02 / watch.Elapsed.TotalSeconds));
        List<double> a = [], b = [], ratio = [];
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds)
        {
            double x = Sample(ours, reps, flops), y = Sample(theirs, reps, flops);
            a.Add(x);
            b.Add(y);
            ratio.Add(x / y);
        }
        return (Median(a), Median(b), Median(ratio), ratio.Count);
    }

    private static double Sample(Action product, int reps, double flops)
    {
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++) product();
        return flops * reps / watch.Elapsed.TotalSeconds / 1e9;
    }

    private static double Median(List<double> x)
    {
        x.Sort();
        return x.Count % 2 == 1 ? x[x.Count / 2] : (x[x.Count / 2 - 1] + x[x.Count / 2]) / 2;
    }
}
