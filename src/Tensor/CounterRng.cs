using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HyenaIL;

// A counter-based random generator: value i of stream `seed` is a pure function of (seed, i), so any element
// of a random tensor can be computed by any thread on any device, in any order, and a dropout mask can be
// regenerated in the backward pass from the seed alone.
//
// Generator: SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
// the finaliser is Stafford's "Mix13", as in Vigna's splitmix64.c). Its n-th output from state s is
//     Mix64(s + (n+1)·γ),   γ = 0x9E3779B97F4A7C15 (the odd integer nearest 2^64/φ),
//     Mix64(z): z ^= z >> 30; z *= 0xBF58476D1CE4E5B9; z ^= z >> 27; z *= 0x94D049BB133111EB; z ^= z >> 31.
// Stream `seed` starts from the state s = SplitMix64's first output for `seed`, i.e. s = Mix64(seed + γ):
// hashing the seed keeps streams of nearby seeds (0, 1, 2, …) from being shifted copies of each other.
//     bits(seed, i)    = Mix64(s + (i+1)·γ)                      (64 bits; passes BigCrush)
//     uniform(seed, i) = (bits(seed, i) >> 40) · 2^-24 ∈ [0, 1)    (24 high bits: exact in float32, so
//                        bit-identical on every device)
//     normal(seed, i)  = √(−2 ln(1 − u₁)) · cos(2π u₂),  u₁ = uniform(seed, 2i), u₂ = uniform(seed, 2i+1)
//                        (Box–Muller; 1 − u₁ ∈ (0, 1] so the logarithm is finite; |normal| ≤ √(48 ln 2) ≈ 5.77).
//                        Bit-identical on cpu and ilgpu-cpu (the same float32 MathF calls in the same order);
//                        on CUDA, MathF.Log/Cos/Sqrt lower to approximate instructions and may differ in the
//                        last bits.

/// <summary>
/// A counter-based random generator (SplitMix64 over a counter): value <c>i</c> of the stream for a seed is a
/// pure function of the seed and <c>i</c>. A plain struct of integer math with no library calls but
/// <c>MathF</c>, usable inside ILGPU kernels (pass it by value) and on the CPU alike.
/// </summary>
public readonly struct CounterRng
{
    /// <summary>SplitMix64's increment: the odd integer nearest 2^64/φ.</summary>
    public const ulong Gamma = 0x9E3779B97F4A7C15UL;

    private const float TwoPi = 6.28318530717958647692f;
    private const float InverseTwoTo24 = 1f / 16777216f;

    /// <summary>The stream for <paramref name="seed"/>: SplitMix64 started from its first output for the seed.</summary>
    public CounterRng(ulong seed)
    {
        State = Mix64(seed + Gamma);
    }

    /// <summary>The SplitMix64 state before output 0: <c>Mix64(seed + γ)</c>.</summary>
    public ulong State { get; private init; }

    /// <summary>A generator whose SplitMix64 state before output 0 is <paramref name="state"/> (no seed
    /// hashing), for checking the generator against published SplitMix64 outputs.</summary>
    internal static CounterRng FromState(ulong state) => new() { State = state };

    /// <summary>Stafford's Mix13 finaliser, SplitMix64's output function: a bijection of 64-bit integers.</summary>
    public static ulong Mix64(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A seed for a sub-stream: combines <paramref name="seed"/> (a run's) with <paramref name="stream"/>
    /// (a step number, a parameter-name hash, a layer's salt) into a new seed, as output <paramref name="stream"/>
    /// of the stream for <paramref name="seed"/>.</summary>
    public static ulong Mix(ulong seed, ulong stream) => new CounterRng(seed).Bits(stream);

    /// <summary>64 random bits: output <paramref name="i"/> of the stream.</summary>
    public ulong Bits(ulong i) => Mix64(State + (i + 1UL) * Gamma);

    /// <summary>Uniform in [0, 1): the 24 high bits of <see cref="Bits"/> times 2^-24 (exact in float32).</summary>
    public float Uniform(ulong i) => (int)(Bits(i) >> 40) * InverseTwoTo24;

    /// <summary>Uniforms <paramref name="first"/>, first + 1, … into <paramref name="destination"/>: the same values
    /// as <see cref="Uniform"/>, four counters at a time in 256-bit vectors where the CPU has them (CPU only).</summary>
    internal void FillUniform(ulong first, Span<float> destination)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Lane j of z holds State + (first + i + j + 1)·γ; each step adds 4γ (all arithmetic mod 2^64).
            var z = Vector256.Create(State) + (Vector256.Create(first + 1) + Vector256.Create(0UL, 1UL, 2UL, 3UL)) * Gamma;
            var step = Vector256.Create(unchecked(4UL * Gamma));
            var scale = Vector256.Create(InverseTwoTo24);
            ref float dst = ref MemoryMarshal.GetReference(destination);
            for (; i + 8 <= destination.Length; i += 8)
            {
                var low = MixLanes(z) >>> 40;
                z += step;
                var high = MixLanes(z) >>> 40;
                z += step;
                var bits = Vector256.Narrow(low, high).AsInt32(); // 24-bit values: exact as int32 and as float32
                (Vector256.ConvertToSingle(bits) * scale).StoreUnsafe(ref dst, (nuint)i);
            }
        }
        for (; i < destination.Length; i++) destination[i] = Uniform(first + (ulong)i);
    }

    private static Vector256<ulong> MixLanes(Vector256<ulong> z)
    {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >>> 31);
    }

    /// <summary>Standard normal by Box–Muller from uniforms 2i and 2i+1; |value| ≤ 5.77.</summary>
    public float Normal(ulong i)
    {
        float u1 = Uniform(2UL * i);
        float u2 = Uniform(2UL * i + 1UL);
        float radius = MathF.Sqrt(-2f * MathF.Log(1f - u1));
        return radius * MathF.Cos(TwoPi * u2);
    }
}
