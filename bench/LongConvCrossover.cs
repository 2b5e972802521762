using System.Diagnostics;
using HyenaIL.Fft;

namespace HyenaIL.Bench;

/// <summary>
/// Measures where the direct long convolution stops being faster than the FFT one (LongConv.DirectCrossover):
/// forward + backward at B = 4, C = 64, float32, on the cpu device, for L around the crossover. The two methods
/// are timed alternately, best of many rounds, so that load from other processes hits both alike (the project's
/// machine is shared; BenchmarkDotNet's separate runs of each case drift apart under such load).
/// Run: <c>dotnet run -c Release --project bench -- crossover</c>.
/// </summary>
public static class LongConvCrossover
{
    private const int B = 4, C = 64, Rounds = 200;

    public static void Run()
    {
        Console.WriteLine($"long convolution forward + backward, B={B}, C={C}, float32, cpu ({Environment.ProcessorCount} threads); best of {Rounds}");
        Console.WriteLine("|    L | direct (µs) | FFT (µs) | direct / FFT |");
        Console.WriteLine("|-----:|------------:|---------:|-------------:|");
        for (int sweep = 0; sweep < 2; sweep++) // the first sweep warms the JIT up and is not printed
            foreach (int l in new[] { 16, 24, 32, 40, 48, 56, 64, 80, 96, 128, 192, 256 })
            {
                var (direct, fft) = Measure(l);
                if (sweep == 1) Console.WriteLine($"| {l,4} | {direct,11:F1} | {fft,8:F1} | {direct / fft,12:F2} |");
            }
        Console.WriteLine($"LongConv.DirectCrossover = {LongConv.DirectCrossover}");
    }

    private static (double Direct, double Fft) Measure(int l)
    {
        var random = new Random(l);
        float[] Data(int n) => Enumerable.Range(0, n).Select(_ => (float)(2 * random.NextDouble() - 1)).ToArray();
        using var u = Tensor.FromArray(Data(B * C * l), Shape.Of(B, C, l), Device.Cpu);
        using var k = Tensor.FromArray(Data(C * l), Shape.Of(C, l), Device.Cpu);
        using var d = Tensor.FromArray(Data(C), Shape.Of(C), Device.Cpu);
        using var dy = Tensor.FromArray(Data(B * C * l), Shape.Of(B, C, l), Device.Cpu);
        double best(LongConvMethod method)
        {
            var sw = Stopwatch.StartNew();
            LongConv.Forward(u, k, d, method).Dispose();
            var (du, dk, dd) = LongConv.Backward(u, k, d, dy, method);
            du.Dispose();
            dk.Dispose();
            dd.Dispose();
            return sw.Elapsed.TotalMicroseconds;
        }
        double direct = double.MaxValue, fft = double.MaxValue;
        for (int r = 0; r < Rounds; r++)
        {
            direct = Math.Min(direct, best(LongConvMethod.Direct));
            fft = Math.Min(fft, best(LongConvMethod.Fft));
        }
        return (direct, fft);
    }
}
