using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace HyenaIL.Fft;

// The plan of a complex FFT of size n = 2^e: a Stockham autosort, decimation in frequency, in passes.
//   Pass i has sub-length ℓ = n / (product of the radices before it) and stride s = n / ℓ. A radix-4 pass reads
//   x[q + s·(p + r·m)] for r = 0..3, with m = ℓ/4, p < m, q < s, and writes the four outputs of a DFT of size 4
//   to y[q + s·(4p + r)], the r-th one multiplied by the twiddle w^r, w = e^{∓2πi·p·s/n} (− forward, + inverse).
//   A radix-2 pass does the same with a DFT of size 2. Every pass reads one buffer and writes the other, and the
//   output comes out in natural order (no bit reversal).
// Radices: 4 for every pass, and one radix-2 pass, the last (ℓ = 2, no twiddles), when e is odd.
// Twiddles: computed in double from the exact angle 2π·((r·p·s) mod n)/n and rounded once to float; the float64
// path keeps them in double. Tables per radix-4 pass: w¹[p], w²[p], w³[p] for p < m, each block interleaved
// (re, im), m complex numbers each, the blocks one after the other.
// Real transforms of size 2n use the complex plan of n and the table e^{−πik/n}, k ≤ n/2 (RealTwiddles).

/// <summary>One pass of a Stockham FFT: a radix, the sub-length it splits and the stride between its inputs.</summary>
/// <param name="Radix">2 or 4.</param>
/// <param name="SubLength">ℓ: the length of the sub-transforms this pass splits (n for the first pass).</param>
/// <param name="Stride">s = n / ℓ: the distance between consecutive elements of one sub-transform.</param>
/// <param name="TwiddleOffset">Where this pass's twiddles start in the table, in complex numbers.</param>
public readonly record struct FftPass(int Radix, int SubLength, int Stride, int TwiddleOffset)
{
    /// <summary>m = ℓ / radix: the twiddle index p runs over [0, m).</summary>
    public int Span => SubLength / Radix;
}

/// <summary>
/// The passes and twiddle tables of a complex FFT of one power-of-two size. Plans are immutable and cached per
/// device and size (<see cref="For"/>): the tables are computed once on the host and, on an ILGPU device,
/// uploaded once and kept for the device's life.
/// </summary>
public sealed class FftPlan
{
    /// <summary>The largest transform size a plan is made for: 2^22.</summary>
    public const int MaxSize = 1 << 22;

    private static readonly ConditionalWeakTable<Device, ConcurrentDictionary<int, FftPlan>> Cache = new();

    private readonly Lazy<float[]> twiddles;
    private readonly Lazy<double[]> twiddles64;
    private readonly Lazy<float[]> realTwiddles;
    private readonly Lazy<double[]> realTwiddles64;
    private readonly Lazy<MemoryBuffer1D<float, Stride1D.Dense>?> deviceTwiddles;
    private readonly Lazy<MemoryBuffer1D<float, Stride1D.Dense>?> deviceRealTwiddles;

    private FftPlan(Device device, int n)
    {
        Device = device;
        Size = n;
        Log2Size = System.Numerics.BitOperations.Log2((uint)n);
        PassArray = MakePasses(n);
        Passes = PassArray;
        TwiddleCount = PassArray.Sum(p => p.Radix == 4 ? 3 * p.Span : 0);
        twiddles = new(() => Array.ConvertAll(ComplexTable(), v => (float)v));
        twiddles64 = new(ComplexTable);
        realTwiddles = new(() => Array.ConvertAll(RealTable(), v => (float)v));
        realTwiddles64 = new(RealTable);
        deviceTwiddles = new(() => Upload(twiddles.Value));
        deviceRealTwiddles = new(() => Upload(realTwiddles.Value));
    }

    /// <summary>The device whose cache holds this plan (tables live there on an ILGPU device).</summary>
    public Device Device { get; }

    /// <summary>n, the number of complex points.</summary>
    public int Size { get; }

    public int Log2Size { get; }

    /// <summary>The passes in the order they run: radix 4, then one radix 2 when log2(n) is odd.</summary>
    public IReadOnlyList<FftPass> Passes { get; }

    internal FftPass[] PassArray { get; }

    /// <summary>Complex twiddles in the table (3·m per radix-4 pass).</summary>
    public int TwiddleCount { get; }

    /// <summary>The plan for size <paramref name="n"/> on <paramref name="device"/>, made on first use.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n is not a power of two in [1, 2^22].</exception>
    public static FftPlan For(Device device, int n)
    {
        ArgumentNullException.ThrowIfNull(device);
        CheckSize("FftPlan", n);
        var plans = Cache.GetValue(device, _ => new ConcurrentDictionary<int, FftPlan>());
        return plans.GetOrAdd(n, size => new FftPlan(device, size));
    }

    /// <summary>Throws unless n is a power of two in [1, 2^22], naming the operation.</summary>
    public static void CheckSize(string op, int n)
    {
        if (n < 1 || n > MaxSize || (n & (n - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(n), n,
                $"{op}: the transform size must be a power of two from 1 to 2^22 = {MaxSize}, got {n}");
    }

    /// <summary>Forward twiddles as float (re, im) pairs, laid out as the passes read them.</summary>
    internal float[] Twiddles => twiddles.Value;

    internal double[] Twiddles64 => twiddles64.Value;

    /// <summary>e^{−2πik/(2n)} for k ≤ n/2, as (re, im): the twiddles that turn this plan's transform (of half
    /// length) into a real transform of size 2n.</summary>
    internal float[] RealTwiddles => realTwiddles.Value;

    internal double[] RealTwiddles64 => realTwiddles64.Value;

    /// <summary>The twiddles on the plan's ILGPU device (uploaded on first use; at least one element).</summary>
    internal ArrayView<float> DeviceTwiddles => deviceTwiddles.Value!.View.AsContiguous();

    internal ArrayView<float> DeviceRealTwiddles => deviceRealTwiddles.Value!.View.AsContiguous();

    /// <summary>The table for the type the CPU transform runs in.</summary>
    internal T[] TwiddlesAs<T>() => typeof(T) == typeof(float) ? (T[])(object)Twiddles : (T[])(object)Twiddles64;

    internal T[] RealTwiddlesAs<T>() => typeof(T) == typeof(float) ? (T[])(object)RealTwiddles : (T[])(object)RealTwiddles64;

    private static FftPass[] MakePasses(int n)
    {
        var passes = new List<FftPass>();
        int length = n, offset = 0;
        while (length >= 4)
        {
            var pass = new FftPass(4, length, n / length, offset);
            passes.Add(pass);
            offset += 3 * pass.Span;
            length /= 4;
        }
        if (length == 2) passes.Add(new FftPass(2, 2, n / 2, offset));
        return passes.ToArray();
    }

    private double[] ComplexTable()
    {
        var table = new double[2 * Math.Max(1, TwiddleCount)];
        foreach (var pass in Passes)
        {
            if (pass.Radix != 4) continue;
            int m = pass.Span;
            for (int r = 1; r <= 3; r++)
                for (int p = 0; p < m; p++)
                {
                    long k = (long)r * p * pass.Stride % Size;
                    double angle = -2.0 * Math.PI * k / Size;
                    int at = 2 * (pass.TwiddleOffset + (r - 1) * m + p);
                    table[at] = Math.Cos(angle);
                    table[at + 1] = Math.Sin(angle);
                }
        }
        return table;
    }

    private double[] RealTable()
    {
        var table = new double[2 * (Size / 2 + 1)];
        for (int k = 0; k <= Size / 2; k++)
        {
            double angle = -Math.PI * k / Size;
            table[2 * k] = Math.Cos(angle);
            table[2 * k + 1] = Math.Sin(angle);
        }
        return table;
    }

    private MemoryBuffer1D<float, Stride1D.Dense>? Upload(float[] table) =>
        Device is IlgpuDevice g ? g.Accelerator.Allocate1D(table) : null;
}
