namespace HyenaIL.Cli;

/// <summary>The cases of <see cref="SelfTest"/>: every operation, forward and backward, on seeded random inputs.
/// Each case runs on a device and returns its outputs copied to the host.</summary>
public static class SelfTestCases
{
    public static IEnumerable<(string Name, Func<Device, float[][]> Run)> All(bool large)
    {
        int n = large ? 1 << 16 : 1000, rows = large ? 512 : 17, width = large ? 768 : 33, l = large ? 1024 : 19;
        foreach (var op in Enum.GetValues<BinaryOp>())
        {
            yield return ($"{op} (same shape)", d => Out(d, t => Ops.Binary(op, F(t, 1, rows, width), F(t, 2, rows, width, 0.5, 2))));
            yield return ($"{op} (broadcast)", d => Out(d, t => Ops.Binary(op, F(t, 1, rows, width), F(t, 2, width, 0.5, 2))));
        }
        yield return ("AddInPlace", d => Out(d, t => { var a = F(t, 1, n); Ops.AddInPlace(a, F(t, 2, n), -0.5f); return a; }));
        yield return ("BroadcastTo", d => Out(d, t => Ops.BroadcastTo(F(t, 1, width), Shape.Of(rows, width))));
        foreach (var op in Enum.GetValues<UnaryOp>())
        {
            bool positive = op is UnaryOp.Log or UnaryOp.Sqrt;
            yield return ($"{op}", d => Out(d, t => Ops.Unary(op, F(t, 1, n, positive ? 0.1 : -3, 3))));
            yield return ($"{op} backward", d => Out(d, t =>
            {
                var x = F(t, 1, n, positive ? 0.1 : -3, 3);
                return Ops.UnaryBackward(op, x, t.Keep(Ops.Unary(op, x)), F(t, 2, n));
            }));
        }
        yield return ("Affine", d => Out(d, t => Ops.Affine(F(t, 1, n), -2f, 0.5f)));
        yield return ("Fill, Arange", d => Out(d, t => Tensor.Full(Shape.Of(n), 1.25, t.Device), t => Tensor.Arange(n, t.Device)));
        yield return ("Fill (int32)", d => Out(d, t => Tensor.Full(Shape.Of(rows), 3, t.Device, DType.Int32)));
        yield return ("Arange (int32)", d => Out(d, t => Tensor.Arange(n, t.Device, DType.Int32)));
        yield return ("Sum, Mean, Max (axis)", d => Out(d, t => Ops.Sum(F(t, 1, rows, width), 0), t => Ops.Mean(F(t, 1, rows, width), 1), t => Ops.Max(F(t, 1, 4, rows, width), 1)));
        yield return ("Sum, Max, SquaredNorm (all)", d => Out(d, t => Ops.Sum(F(t, 1, n)), t => Ops.Max(F(t, 1, n)), t => Ops.SquaredNorm(F(t, 1, n))));
        yield return ("SumTo", d => Out(d, t => Ops.SumTo(F(t, 1, 3, rows, width), Shape.Of(width))));
        yield return ("ArgMax", d => Out(d, t => Ops.ArgMax(F(t, 1, rows, width), 1)));
        foreach (bool causal in new[] { false, true })
        {
            yield return ($"Softmax{(causal ? " causal" : "")}", d => Out(d, t => Ops.Softmax(F(t, 1, [2, l, l], -4.0, 4.0), causal), t => Ops.LogSoftmax(F(t, 1, [2, l, l], -4.0, 4.0), causal)));
            yield return ($"Softmax backward{(causal ? " causal" : "")}", d => Out(d,
                t => Ops.SoftmaxBackward(t.Keep(Ops.Softmax(F(t, 1, 2, l, l), causal)), F(t, 2, 2, l, l)),
                t => Ops.LogSoftmaxBackward(t.Keep(Ops.LogSoftmax(F(t, 1, 2, l, l), causal)), F(t, 2, 2, l, l), causal)));
        }
        yield return ("LayerNorm and backward", d => Out(d, t =>
        {
            var x = F(t, 1, rows, width);
            var r = Ops.LayerNorm(x, F(t, 2, width), F(t, 3, width));
            t.Keep(r.Mean); t.Keep(r.Rstd);
            var (dx, dg, db) = Ops.LayerNormBackward(x, F(t, 2, width), r.Mean, r.Rstd, F(t, 4, rows, width));
            t.Keep(dg); t.Keep(db); t.Keep(r.Y);
            return Ops.Concat([r.Y.Reshape(-1), dx.Reshape(-1), dg, db], 0);
        }));
        yield return ("CrossEntropy and backward", d => Out(d, t =>
        {
            var logits = F(t, 1, [rows, width], -3.0, 3.0);
            var targets = I(t, 2, width, rows);
            var r = Ops.CrossEntropy(logits, targets);
            t.Keep(r.LogSumExp); t.Keep(r.Count); t.Keep(r.Loss);
            var dl = Ops.CrossEntropyBackward(logits, targets, r.LogSumExp, r.Count, t.Keep(Tensor.Full(Shape.Scalar, 1, t.Device)));
            return Ops.Concat([r.Loss.Reshape(1), dl.Reshape(-1)], 0);
        }));
        yield return ("Embedding and backward", d => Out(d,
            t => Ops.Embedding(F(t, 1, width, 16), I(t, 2, width, rows)),
            t => Ops.EmbeddingBackward(I(t, 2, width, rows), F(t, 3, rows, 16), width)));
        foreach (var (ta, tb) in new[] { (false, false), (true, false), (false, true), (true, true) })
            yield return ($"Matmul{(ta ? " Aᵀ" : "")}{(tb ? " Bᵀ" : "")}", d => Out(d, t => Ops.Matmul(
                F(t, 1, ta ? width : rows, ta ? rows : width), F(t, 2, tb ? 37 : width, tb ? width : 37), ta, tb)));
        yield return ("Matmul batched, accumulate", d => Out(d, t =>
        {
            var c = F(t, 3, 3, rows, 29);
            Ops.MatmulInto(F(t, 1, 3, rows, width), F(t, 2, 3, width, 29), c, accumulate: true);
            return c;
        }));
        yield return ("Transpose", d => Out(d, t => Ops.Transpose(F(t, 1, 3, rows, width), 1, 2), t => Ops.Transpose(F(t, 1, 3, rows, 2, 5), 1, 2)));
        yield return ("Transpose (int32)", d => Out(d, t => Ops.Transpose(I(t, 1, width, rows, 7), 0, 1), t => Ops.Transpose(I(t, 1, width, 3, rows, 7), 0, 1)));
        yield return ("Slice and backward (int32)", d => Out(d, t => Ops.Slice(I(t, 1, width, rows, 7), 1, 2, 3), t => Ops.SliceBackward(I(t, 1, width, rows, 3), Shape.Of(rows, 7), 1, 2)));
        yield return ("Slice and backward", d => Out(d, t => Ops.Slice(F(t, 1, rows, width), 1, 3, 9), t => Ops.SliceBackward(F(t, 1, rows, 9), Shape.Of(rows, width), 1, 3)));
        yield return ("Concat and Split", d => Out(d, t => Ops.Concat([F(t, 1, rows, 5), F(t, 2, rows, 7)], 1), t => Ops.Split(F(t, 3, rows, 12), 1, 5, 7)[1]));
        yield return ("Concat (int32)", d => Out(d, t => Ops.Concat([I(t, 1, width, 4), I(t, 2, width, 3)], 0)));
        yield return ("ShortConv and backward", d => Out(d, t =>
        {
            var (x, w) = (F(t, 1, 2, width, l), F(t, 2, width, 3));
            var y = t.Keep(Ops.ShortConv(x, w, F(t, 3, width)));
            var (dx, dw, db) = Ops.ShortConvBackward(x, w, F(t, 4, 2, width, l));
            t.Keep(dx); t.Keep(dw); t.Keep(db);
            return Ops.Concat([y.Reshape(-1), dx.Reshape(-1), dw.Reshape(-1), db], 0);
        }));
        yield return ("Dropout and backward", d => Out(d, t => Ops.Dropout(F(t, 1, n), 0.3f, 11), t => Ops.DropoutBackward(F(t, 2, n), 0.3f, 11)));
        yield return ("RandomUniform, RandomNormal", d => Out(d, t => Ops.RandomUniform(Shape.Of(n), t.Device, 5, -1, 2), t => Ops.RandomNormal(Shape.Of(n), t.Device, 5, 0.5f, 2f)));
        yield return ("CausalConvDirect and backward", d => Out(d, t =>
        {
            var (u, k, dd) = (F(t, 1, 2, 3, l), F(t, 2, 3, l), F(t, 3, 3));
            var y = t.Keep(Ops.CausalConvDirect(u, k, dd));
            var (du, dk, dD) = Ops.CausalConvDirectBackward(u, k, dd, F(t, 4, 2, 3, l));
            t.Keep(du); t.Keep(dk); t.Keep(dD);
            return Ops.Concat([y.Reshape(-1), du.Reshape(-1), dk.Reshape(-1), dD], 0);
        }));
        int p = large ? 1 << 16 : 512;
        yield return ("FFT forward and inverse (complex)", d => Out(d, t => Fft.Fourier.Forward(F(t, 1, 3, p, 2)),
            t => Fft.Fourier.Inverse(F(t, 2, 3, p, 2), Fft.FftScaling.DivideByN), t => Fft.Fourier.Forward(F(t, 3, 2, 8, 2))));
        yield return ("FFT real forward and inverse", d => Out(d, t => Fft.Fourier.Rfft(F(t, 1, 3, p)),
            t => Fft.Fourier.Irfft(F(t, 2, 3, p / 2 + 1, 2), Fft.FftScaling.DivideByN)));
        foreach (var method in new[] { Fft.LongConvMethod.Direct, Fft.LongConvMethod.Fft })
            yield return ($"LongConv {method} and backward", d => Out(d, t =>
            {
                var (u, k, dd) = (F(t, 1, 2, 5, l), F(t, 2, 5, l), F(t, 3, 5));
                var y = t.Keep(Fft.LongConv.Forward(u, k, dd, method));
                var (du, dk, dD) = Fft.LongConv.Backward(u, k, dd, F(t, 4, 2, 5, l), method);
                t.Keep(du); t.Keep(dk); t.Keep(dD);
                return Ops.Concat([y.Reshape(-1), du.Reshape(-1), dk.Reshape(-1), dD], 0);
            }));
        yield return ("AdamW and SGD steps", d => Out(d, t =>
        {
            var (p, m, v) = (F(t, 1, n), F(t, 2, n, 0, 0.1), F(t, 3, n, 0, 0.01));
            Ops.AdamWStep(p, F(t, 4, n), m, v, new AdamWStepArgs(1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, 3, 0.5f));
            var (q, buf) = (F(t, 5, n), F(t, 6, n));
            Ops.SgdStep(q, F(t, 7, n), buf, 0.1f, 0.9f, 0.01f, 0.5f);
            return Ops.Concat([p, m, v, q, buf], 0);
        }));
        yield return ("CausalAttention and backward", d => Out(d, t =>
        {
            var (q, k, v) = (F(t, 1, 1, 2, l, 8), F(t, 2, 1, 2, l, 8), F(t, 3, 1, 2, l, 8));
            var o = t.Keep(Ops.CausalAttention(q, k, v, 0.35f, 6));
            var (dq, dk, dv) = Ops.CausalAttentionBackward(q, k, v, 0.35f, F(t, 4, 1, 2, l, 8), 6);
            t.Keep(dq); t.Keep(dk); t.Keep(dv);
            return Ops.Concat([o.Reshape(-1), dq.Reshape(-1), dk.Reshape(-1), dv.Reshape(-1)], 0);
        }));
    }

    /// <summary>Runs each function with a scope that disposes every tensor it made, returning the outputs on the host
    /// (int32 outputs converted to float).</summary>
    private static float[][] Out(Device device, params Func<Scope, Tensor>[] fs)
    {
        var results = new float[fs.Length][];
        for (int i = 0; i < fs.Length; i++)
        {
            using var scope = new Scope(device);
            using var y = fs[i](scope);
            results[i] = y.ToFloatArray();
        }
        return results;
    }

    private static Tensor F(Scope s, int seed, params int[] shape) => F(s, seed, shape, -1, 1);

    private static Tensor F(Scope s, int seed, int a, double low, double high) => F(s, seed, [a], low, high);

    private static Tensor F(Scope s, int seed, int a, int b, double low, double high) => F(s, seed, [a, b], low, high);

    private static Tensor F(Scope s, int seed, int a, int b, int c, double low, double high) => F(s, seed, [a, b, c], low, high);

    private static Tensor F(Scope s, int seed, int[] shape, double low, double high)
    {
        var shp = new Shape(shape);
        var rng = new Training.SeededRandom((ulong)seed);
        var data = new float[shp.Size];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(low + (high - low) * rng.NextDouble());
        return s.Keep(Tensor.FromArray(data, shp, s.Device));
    }

    private static Tensor I(Scope s, int seed, int max, params int[] shape)
    {
        var shp = new Shape(shape);
        var rng = new Training.SeededRandom((ulong)seed);
        var data = new int[shp.Size];
        for (int i = 0; i < data.Length; i++) data[i] = rng.Next(max);
        return s.Keep(Tensor.FromArray(data, shp, s.Device));
    }

    /// <summary>Holds the tensors a case makes so that they are disposed together.</summary>
    public sealed class Scope(Device device) : IDisposable
    {
        private readonly List<Tensor> tensors = new();

        public Device Device { get; } = device;

        public Tensor Keep(Tensor t)
        {
            tensors.Add(t);
            return t;
        }

        public void Dispose()
        {
            foreach (var t in tensors) t.Dispose();
        }
    }
}
