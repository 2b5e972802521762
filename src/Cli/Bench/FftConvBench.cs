using HyenaIL.Fft;

namespace HyenaIL.Cli;

/// <summary>The long convolution through the FFT against the direct sum, forward and forward+backward, across L;
/// the note of each FFT case says which method <see cref="LongConv.Method"/> picks at that length.</summary>
public static class FftConvBench
{
    public static IEnumerable<BenchCase> Run(Device device, int batch, int channels, IReadOnlyList<int> lengths, int repeats, int directMax)
    {
        foreach (int l in lengths)
        {
            using var u = Ops.RandomNormal(Shape.Of(batch, channels, l), device, 1);
            using var k = Ops.RandomNormal(Shape.Of(channels, l), device, 2, 0, 0.1f);
            using var d = Ops.RandomNormal(Shape.Of(channels), device, 3);
            using var dy = Ops.RandomNormal(Shape.Of(batch, channels, l), device, 4);
            foreach (var method in new[] { LongConvMethod.Direct, LongConvMethod.Fft })
            {
                if (method == LongConvMethod.Direct && l > directMax) continue;
                device.ResetPeak();
                double fwd = Timing.Median(device, () => LongConv.Forward(u, k, d, method).Dispose(), 2, repeats, 30);
                double both = Timing.Median(device, () =>
                {
                    LongConv.Forward(u, k, d, method).Dispose();
                    var (a, b, c) = LongConv.Backward(u, k, d, dy, method);
                    a.Dispose(); b.Dispose(); c.Dispose();
                }, 2, repeats, 30);
                string note = method == LongConv.Method(l) ? "auto picks this" : "";
                yield return new BenchCase($"long conv {method.ToString().ToLowerInvariant()}", device.Name, batch, channels, l, fwd, both, device.PeakBytes,
                    (double)batch * l / (both / 1000), note);
            }
        }
    }
}
