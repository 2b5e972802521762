using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ILGPU;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Random float32 tensors from the counter-based generator (CounterRng.cs), for initialisation.
//   RandomUniform: y[i] = min(low + (high − low)·uniform(seed, i), the largest float32 below high) ∈ [low, high)
//   RandomNormal:  y[i] = mean + std·normal(seed, i)
// i is the row-major flat index, so a seed gives the same numbers on every device, for any shape of the same
// size. uniform(seed, i) is bit-identical everywhere; with low = 0, high = 1 so is RandomUniform. Otherwise
// CUDA may fuse the multiply-add and differ from the CPU in the last bit; RandomNormal also inherits the
// GPU's approximate Log/Cos/Sqrt (see CounterRng.cs). There is no backward: random tensors are leaves.

public static partial class Ops
{
    /// <summary>A float32 tensor uniform in [<paramref name="low"/>, <paramref name="high"/>): element i is
    /// low + (high − low)·uniform(seed, i), kept below high.</summary>
    public static Tensor RandomUniform(Shape shape, Device device, ulong seed, float low = 0f, float high = 1f)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(device);
        float range = high - low;
        if (!float.IsFinite(low) || !float.IsFinite(high) || !(low < high) || !float.IsFinite(range))
            throw new ArgumentOutOfRangeException(nameof(high),
                $"RandomUniform: needs finite low < high with a finite high − low, got low {low}, high {high}");
        float below = MathF.BitDecrement(high);
        var rng = new CounterRng(seed);
        var y = Tensor.Empty(shape, device);
        if (device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, CounterRng, float, float, float>(RandomKernels.Uniform)(y.Size, y.View, rng, low, range, below);
        else RandomCpu.Uniform(y.CpuArray<float>(), y.Size, rng, low, range, below);
        return y;
    }

    /// <summary>A float32 tensor of normal samples: element i is mean + std·normal(seed, i).</summary>
    public static Tensor RandomNormal(Shape shape, Device device, ulong seed, float mean = 0f, float std = 1f)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(device);
        if (!float.IsFinite(mean) || !float.IsFinite(std) || std < 0f)
            throw new ArgumentOutOfRangeException(nameof(std),
                $"RandomNormal: needs a finite mean and a finite std ≥ 0, got mean {mean}, std {std}");
        var rng = new CounterRng(seed);
        var y = Tensor.Empty(shape, device);
        if (device is IlgpuDevice g)
            g.Kernel<Index1D, ViewF, CounterRng, float, float>(RandomKernels.Normal)(y.Size, y.View, rng, mean, std);
        else RandomCpu.Normal(y.CpuArray<float>(), y.Size, rng, mean, std);
        return y;
    }
}

internal static class RandomCpu
{
    // Uniform: CounterRng.FillUniform's vectorised hashing, then low + range·u kept below high, in the kernel's
    // float32 operations (a multiply, then an add: no fused multiply-add), so cpu and ilgpu-cpu agree bit for bit.
    public static void Uniform(float[] y, int n, CounterRng rng, float low, float range, float below) =>
        CpuParallel.For(n, 2, (start, end) =>
        {
            var u = y.AsSpan(start, end - start);
            rng.FillUniform((ulong)start, u);
            int i = 0;
            ref float u0 = ref MemoryMarshal.GetReference(u);
            if (Vector256.IsHardwareAccelerated)
            {
                Vector256<float> vLow = Vector256.Create(low), vRange = Vector256.Create(range), vBelow = Vector256.Create(below);
                for (; i + 8 <= u.Length; i += 8)
                    Vector256.Min(vLow + vRange * Vector256.LoadUnsafe(ref u0, (nuint)i), vBelow).StoreUnsafe(ref u0, (nuint)i);
            }
            for (; i < u.Length; i++)
            {
                float v = low + range * u[i];
                u[i] = v > below ? below : v;
            }
        });

    // Normal: two hashes, a log, a cos and a square root per element, scalar on purpose: the same float32 MathF
    // calls as the kernel, so cpu and ilgpu-cpu agree bit for bit.
    public static void Normal(float[] y, int n, CounterRng rng, float mean, float std) =>
        CpuParallel.For(n, 32, (start, end) =>
        {
            for (int i = start; i < end; i++)
                y[i] = mean + std * rng.Normal((ulong)i);
        });
}

internal static class RandomKernels
{
    [Kernel]
    internal static void Uniform(Index1D i, ViewF y, CounterRng rng, float low, float range, float below)
    {
        float v = low + range * rng.Uniform((ulong)(long)i.X);
        y[i] = v > below ? below : v;
    }

    [Kernel]
    internal static void Normal(Index1D i, ViewF y, CounterRng rng, float mean, float std) =>
        y[i] = mean + std * rng.Normal((ulong)(long)i.X);
}
