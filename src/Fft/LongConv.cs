namespace HyenaIL.Fft;

// The causal long convolution of the Hyena operator (reference §1.5), per channel, with the skip term D inside:
//   y[b,c,t]  = Σ_{j ≤ t} k[c,j]·u[b,c,t−j] + D[c]·u[b,c,t]
//   du[b,c,t] = Σ_{t' ≥ t} k[c,t'−t]·dy[b,c,t'] + D[c]·dy[b,c,t]      (anti-causal correlation with k)
//   dk[c,j]   = Σ_b Σ_{t ≥ j} dy[b,c,t]·u[b,c,t−j]                   (correlation of dy with u, summed over b)
//   dD[c]     = Σ_{b,t} dy[b,c,t]·u[b,c,t]
// u (B, C, L), k (C, L) shared by the batch, D (C); 1 ≤ L ≤ 2^20.
// Through the FFT: P = the smallest power of two ≥ 2L (so the circular convolution of the zero-padded rows never
// wraps onto the first L outputs), K = rfft(k padded to P)/P computed once per call and shared by the batch,
// U = rfft(u padded), DY = rfft(dy padded); then
//   y  = first L of irfft(U·K) + D⊙u
//   du = first L of irfft(DY·conj K) + D⊙dy
//   dk = first L of irfft(Σ_b DY·conj U)/P
//   dD = Σ_{b,t} dy·u (a dot product on the cpu; on a GPU dk[c,0], which is the same sum, taken through the FFT).
// Short L go to the direct O(L²) sum (Ops.CausalConvDirect), below a crossover measured on the project's machine
// (DirectCrossover; bench/RESULTS.md). The choice is a pure function of L: Method(L) says which one runs.

/// <summary>How <see cref="LongConv"/> computes the convolution.</summary>
public enum LongConvMethod
{
    /// <summary><see cref="LongConv.Method"/> decides from the length: direct below the crossover, FFT from it on.</summary>
    Auto,

    /// <summary>The O(L²) sum in time (Ops.CausalConvDirect).</summary>
    Direct,

    /// <summary>Zero-padded real FFTs of size P, O(L·log L).</summary>
    Fft,
}

/// <summary>y = k ∗ u + D ⊙ u (causal, per channel) and its gradients; see the file header for the formulas.</summary>
public static class LongConv
{
    /// <summary>The longest sequence: 2^20 (an FFT of 2^21 real points).</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>From this length on, <see cref="LongConvMethod.Auto"/> uses the FFT; below it, the direct sum. Measured
    /// on the project's 2-core machine for forward + backward at B = 4, C = 64, float32 (bench/RESULTS.md;
    /// <c>dotnet run -c Release --project bench -- crossover</c>): direct / FFT time 0.67–0.92 at
    /// L = 32, 0.91–1.20 at 40, 1.23–1.74 at 48. Not measured on a GPU, where the same rule applies.</summary>
    public const int DirectCrossover = 48;

    /// <summary>The method <see cref="LongConvMethod.Auto"/> picks for sequences of <paramref name="length"/>.</summary>
    public static LongConvMethod Method(int length) => length < DirectCrossover ? LongConvMethod.Direct : LongConvMethod.Fft;

    /// <summary>P: the FFT size used for sequences of <paramref name="length"/>, the smallest power of two ≥ 2L.</summary>
    public static int FftSize(int length)
    {
        CheckLength("LongConv.FftSize", length);
        return (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(2 * length));
    }

    /// <param name="u">(B, C, L)</param>
    /// <param name="k">(C, L)</param>
    /// <param name="d">(C)</param>
    /// <param name="method">Auto: <see cref="Method"/>(L).</param>
    /// <returns>y (B, C, L)</returns>
    public static Tensor Forward(Tensor u, Tensor k, Tensor d, LongConvMethod method = LongConvMethod.Auto)
    {
        var (_, _, l) = CheckArguments("LongConv.Forward", u, k, d);
        if (Resolve(method, l) == LongConvMethod.Direct) return Ops.CausalConvDirect(u, k, d);
        using var filter = PrepareFilter(k);
        return LongConvFft.Forward(u, filter, d);
    }

    /// <param name="u">(B, C, L)</param>
    /// <param name="k">(C, L)</param>
    /// <param name="d">(C)</param>
    /// <param name="dy">(B, C, L)</param>
    /// <param name="method">Auto: <see cref="Method"/>(L).</param>
    /// <returns>du (B, C, L), dk (C, L), dD (C): new tensors.</returns>
    public static (Tensor DU, Tensor DK, Tensor DD) Backward(Tensor u, Tensor k, Tensor d, Tensor dy,
        LongConvMethod method = LongConvMethod.Auto)
    {
        const string op = "LongConv.Backward";
        var (_, _, l) = CheckArguments(op, u, k, d);
        CheckGradient(op, u, dy);
        if (Resolve(method, l) == LongConvMethod.Direct) return Ops.CausalConvDirectBackward(u, k, d, dy);
        using var filter = PrepareFilter(k);
        return LongConvFft.Backward(u, filter, d, dy);
    }

    /// <summary>The filter's spectrum K = rfft(k padded to P)/P, to reuse across a forward and a backward with the
    /// same k. The caller disposes it.</summary>
    /// <param name="k">(C, L)</param>
    public static LongConvFilter PrepareFilter(Tensor k)
    {
        const string op = "LongConv.PrepareFilter";
        Check.Float(op, k, "k");
        Check.Rank(op, k, 2, "k");
        CheckLength(op, k.Shape[1]);
        return LongConvFft.Filter(k);
    }

    /// <summary>The FFT method with a prepared filter spectrum.</summary>
    /// <param name="u">(B, C, L), L and C those of the filter.</param>
    /// <param name="filter">From <see cref="PrepareFilter"/>.</param>
    /// <param name="d">(C)</param>
    public static Tensor Forward(Tensor u, LongConvFilter filter, Tensor d)
    {
        CheckFilterArguments("LongConv.Forward", u, filter, d);
        return LongConvFft.Forward(u, filter, d);
    }

    /// <summary>The FFT method's gradients with a prepared filter spectrum.</summary>
    public static (Tensor DU, Tensor DK, Tensor DD) Backward(Tensor u, LongConvFilter filter, Tensor d, Tensor dy)
    {
        const string op = "LongConv.Backward";
        CheckFilterArguments(op, u, filter, d);
        CheckGradient(op, u, dy);
        return LongConvFft.Backward(u, filter, d, dy);
    }

    private static LongConvMethod Resolve(LongConvMethod method, int length) => method switch
    {
        LongConvMethod.Auto => Method(length),
        LongConvMethod.Direct or LongConvMethod.Fft => method,
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "LongConv: unknown method"),
    };

    private static (int B, int C, int L) CheckArguments(string op, Tensor u, Tensor k, Tensor d)
    {
        Check.Binary(op, u, k, "u", "k");
        Check.Binary(op, u, d, "u", "D");
        Check.Rank(op, u, 3, "u");
        int b = u.Shape[0], c = u.Shape[1], l = u.Shape[2];
        Check.Shape(op, k, Shape.Of(c, l), "k");
        Check.Shape(op, d, Shape.Of(c), "D");
        CheckLength(op, l);
        return (b, c, l);
    }

    private static void CheckFilterArguments(string op, Tensor u, LongConvFilter filter, Tensor d)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Check.Live(op, filter.Spectrum, "filter spectrum");
        Check.Binary(op, u, filter.Spectrum, "u", "filter spectrum");
        Check.Binary(op, u, d, "u", "D");
        Check.Rank(op, u, 3, "u");
        if (u.Shape[1] != filter.Channels || u.Shape[2] != filter.Length)
            throw new ShapeException($"{op}: u must have shape (B, {filter.Channels}, {filter.Length}) to match the filter, got {u.Shape}");
        Check.Shape(op, d, Shape.Of(filter.Channels), "D");
    }

    private static void CheckGradient(string op, Tensor u, Tensor dy)
    {
        Check.Binary(op, u, dy, "u", "dy");
        Check.Shape(op, dy, u.Shape, "dy");
    }

    private static void CheckLength(string op, int length)
    {
        if (length < 1 || length > MaxLength)
            throw new ShapeException($"{op}: the sequence length L must be from 1 to 2^20 = {MaxLength} (an FFT of 2^21 points), got {length}");
    }
}

/// <summary>The spectrum of a long-convolution filter, K = rfft(k padded to P)/P, shape (C, P/2 + 1, 2), for reuse
/// between a forward and a backward with the same k. Owns its tensor.</summary>
public sealed class LongConvFilter : IDisposable
{
    internal LongConvFilter(Tensor spectrum, int channels, int length)
    {
        Spectrum = spectrum;
        Channels = channels;
        Length = length;
        FftSize = LongConv.FftSize(length);
    }

    /// <summary>(C, P/2 + 1, 2): K/P, interleaved complex.</summary>
    public Tensor Spectrum { get; }

    /// <summary>C.</summary>
    public int Channels { get; }

    /// <summary>L, the filter's (and the sequences') length.</summary>
    public int Length { get; }

    /// <summary>P.</summary>
    public int FftSize { get; }

    public void Dispose() => Spectrum.Dispose();
}
