using System.Globalization;

namespace HyenaIL.Training;

/// <summary>
/// Byte-level language modelling over any file (read as bytes, so UTF-8 text is modelled byte by byte): vocabulary
/// 256; the first 90% of the bytes train, the last 10% are held out. A training batch is B windows of L + 1 bytes at
/// random offsets; the held-out set is its consecutive windows (window s: inputs [sL, sL + L), targets shifted by one).
/// </summary>
public sealed class ByteText : ITask
{
    private readonly byte[] data;
    private readonly int split;
    private readonly ulong seed;

    public ByteText(string path, int sequenceLength, ulong seed, int maxEvalWindows = 0)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"text file {path} does not exist", path);
        data = File.ReadAllBytes(path);
        Path = path;
        if (data.Length == 0) throw new ArgumentException($"text file {path} is empty");
        if (sequenceLength < 1) throw new ArgumentOutOfRangeException(nameof(sequenceLength), sequenceLength, "the sequence length must be at least 1");
        split = data.Length - data.Length / 10;
        if (split < sequenceLength + 1 || data.Length - split < sequenceLength + 1)
            throw new ArgumentException($"text file {path} has {data.Length} bytes: too short for windows of {sequenceLength + 1} bytes " +
                                        $"in both the training 90% and the held-out 10% (needs at least {10 * (sequenceLength + 1)} bytes)");
        SequenceLength = sequenceLength;
        this.seed = seed;
        MaxEvalWindows = maxEvalWindows;
    }

    public string Path { get; }

    public string Description => $"byte-level text {System.IO.Path.GetFileName(Path)} ({split:N0} training bytes, {data.Length - split:N0} held out), length {SequenceLength}";

    public int Vocab => 256;

    public int SequenceLength { get; }

    /// <summary>At most this many held-out windows are scored (0: all).</summary>
    public int MaxEvalWindows { get; }

    public Batch TrainBatch(long step, int batchSize)
    {
        var rng = new SeededRandom(CounterRng.Mix(seed, 1000 + (ulong)step));
        int l = SequenceLength;
        var inputs = new int[batchSize * l];
        var targets = new int[batchSize * l];
        for (int b = 0; b < batchSize; b++)
        {
            int start = rng.Next(split - l);
            for (int t = 0; t < l; t++)
            {
                inputs[b * l + t] = data[start + t];
                targets[b * l + t] = data[start + t + 1];
            }
        }
        return new Batch(inputs, targets, batchSize, l);
    }

    public IEnumerable<Batch> EvalBatches(int batchSize) => Windows(data.AsMemory(split), SequenceLength, batchSize, MaxEvalWindows);

    /// <summary>Consecutive windows over <paramref name="bytes"/>: window s takes bytes [sL, sL + L) as input and
    /// [sL + 1, sL + L + 1) as targets; a tail shorter than L + 1 bytes is left out.</summary>
    public static IEnumerable<Batch> Windows(ReadOnlyMemory<byte> bytes, int length, int batchSize, int maxWindows = 0)
    {
        int count = (bytes.Length - 1) / length;
        if (maxWindows > 0) count = Math.Min(count, maxWindows);
        for (int first = 0; first < count; first += batchSize)
        {
            int b = Math.Min(batchSize, count - first);
            var inputs = new int[b * length];
            var targets = new int[b * length];
            var span = bytes.Span;
            for (int i = 0; i < b; i++)
                for (int t = 0; t < length; t++)
                {
                    int pos = (first + i) * length + t;
                    inputs[i * length + t] = span[pos];
                    targets[i * length + t] = span[pos + 1];
                }
            yield return new Batch(inputs, targets, b, length);
        }
    }

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string>
    {
        ["task"] = "text",
        ["text"] = System.IO.Path.GetFullPath(Path),
        ["seq_len"] = SequenceLength.ToString(CultureInfo.InvariantCulture),
        ["data_seed"] = seed.ToString(CultureInfo.InvariantCulture),
    };
}
