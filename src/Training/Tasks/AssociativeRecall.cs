using System.Globalization;

namespace HyenaIL.Training;

/// <summary>
/// Associative recall as in the reference (reference/hyena.md §4.1): a sequence of key-value pairs from an
/// example's own random dictionary, then "=&gt;", a query key that appeared, and its value to be recalled.
/// <list type="bullet">
/// <item>The vocabulary V counts the two special tokens: ids are the strings ".", "0" … "V−3", "=&gt;" sorted as
/// strings (id 0 is ".", id V−1 is "=&gt;"); keys are the first half of the ordinary tokens, values the second.</item>
/// <item>An example of model length L has (L − 2)/2 pairs, then "=&gt;", the query, its value: L + 1 tokens; the
/// input is the first L, the target the last L.</item>
/// <item>Training counts every target (as the reference); the held-out set scores only the final value.</item>
/// </list>
/// The reference draws a fixed training set; with <c>trainExamples = 0</c> every step draws fresh examples from the
/// same distribution instead. The held-out examples are drawn from their own stream and never occur in training.
/// </summary>
public sealed class AssociativeRecall : ITask
{
    private readonly int[] keys;
    private readonly int[] values;
    private readonly ulong seed;
    private readonly List<int[]> train;
    private readonly List<int[]> test;
    private readonly HashSet<string> testKeys;   // the held-out examples as text, which training never draws

    public AssociativeRecall(int vocab, int sequenceLength, int trainExamples, int testExamples, ulong seed)
    {
        if (vocab < 4)
            throw new ArgumentOutOfRangeException(nameof(vocab), vocab, "associative recall needs a vocabulary of at least 4 (two special tokens, a key and a value)");
        if (sequenceLength < 4 || sequenceLength % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(sequenceLength), sequenceLength, "associative recall needs an even sequence length of at least 4 (pairs, then '=>' and the query)");
        if (trainExamples < 0 || testExamples < 1)
            throw new ArgumentOutOfRangeException(nameof(testExamples), "need at least one held-out example and no negative training count");
        Vocab = vocab;
        SequenceLength = sequenceLength;
        this.seed = seed;
        Tokens = Enumerable.Range(0, vocab - 2).Select(i => i.ToString(CultureInfo.InvariantCulture)).Append(".").Append("=>")
            .Order(StringComparer.Ordinal).ToArray();
        var ordinary = Enumerable.Range(1, vocab - 2).ToArray();
        keys = ordinary[..(ordinary.Length / 2)];
        values = ordinary[(ordinary.Length / 2)..];
        test = Draw(new SeededRandom(CounterRng.Mix(seed, 1)), testExamples, null);
        testKeys = new HashSet<string>(test.Select(Key));
        train = trainExamples > 0 ? Draw(new SeededRandom(CounterRng.Mix(seed, 2)), trainExamples, testKeys) : [];
        TrainExamples = trainExamples;
    }

    public string Description => $"associative recall, vocabulary {Vocab}, length {SequenceLength}, " +
        (TrainExamples > 0 ? $"{TrainExamples} training examples" : "fresh examples every step") + $", {test.Count} held out";

    public int Vocab { get; }

    public int SequenceLength { get; }

    public int TrainExamples { get; }

    /// <summary>The token strings by id.</summary>
    public string[] Tokens { get; }

    public int Separator => Vocab - 1;

    public IReadOnlyList<int[]> HeldOut => test;

    public Batch TrainBatch(long step, int batchSize)
    {
        var rng = new SeededRandom(CounterRng.Mix(seed, 1000 + (ulong)step));
        var examples = new List<int[]>(batchSize);
        if (TrainExamples == 0)
            examples = Draw(rng, batchSize, testKeys, dedupe: false);
        else
            for (int i = 0; i < batchSize; i++) examples.Add(train[rng.Next(train.Count)]);
        return Pack(examples, finalOnly: false);
    }

    public IEnumerable<Batch> EvalBatches(int batchSize)
    {
        for (int i = 0; i < test.Count; i += batchSize)
            yield return Pack(test.GetRange(i, Math.Min(batchSize, test.Count - i)), finalOnly: true);
    }

    public IReadOnlyDictionary<string, string> Describe() => new Dictionary<string, string>
    {
        ["task"] = "assoc-recall",
        ["vocab"] = Vocab.ToString(CultureInfo.InvariantCulture),
        ["seq_len"] = SequenceLength.ToString(CultureInfo.InvariantCulture),
        ["train_examples"] = TrainExamples.ToString(CultureInfo.InvariantCulture),
        ["test_examples"] = test.Count.ToString(CultureInfo.InvariantCulture),
        ["data_seed"] = seed.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>One example of L + 1 tokens.</summary>
    public int[] Example(SeededRandom rng)
    {
        int pairs = (SequenceLength - 2) / 2;
        var dict = new int[Vocab];
        foreach (var k in keys) dict[k] = values[rng.Next(values.Length)];
        var tokens = new int[SequenceLength + 1];
        var seen = new HashSet<int>();
        for (int p = 0; p < pairs; p++)
        {
            int k = keys[rng.Next(keys.Length)];
            tokens[2 * p] = k;
            tokens[2 * p + 1] = dict[k];
            seen.Add(k);
        }
        int query;
        do query = keys[rng.Next(keys.Length)];
        while (!seen.Contains(query));
        tokens[2 * pairs] = Separator;
        tokens[2 * pairs + 1] = query;
        tokens[2 * pairs + 2] = dict[query];
        return tokens;
    }

    private List<int[]> Draw(SeededRandom rng, int count, HashSet<string>? exclude, bool dedupe = true)
    {
        var list = new List<int[]>(count);
        var seen = new HashSet<string>();
        int attempts = 0;
        while (list.Count < count)
        {
            if (++attempts > 100 * count + 1000)
                throw new ArgumentException($"associative recall: cannot draw {count} distinct examples of length {SequenceLength} with vocabulary {Vocab}");
            var e = Example(rng);
            string key = Key(e);
            if (exclude is not null && exclude.Contains(key)) continue;
            if (dedupe && !seen.Add(key)) continue;
            list.Add(e);
        }
        return list;
    }

    private Batch Pack(IReadOnlyList<int[]> examples, bool finalOnly)
    {
        int l = SequenceLength, b = examples.Count;
        var inputs = new int[b * l];
        var targets = new int[b * l];
        for (int i = 0; i < b; i++)
        {
            Array.Copy(examples[i], 0, inputs, i * l, l);
            Array.Copy(examples[i], 1, targets, i * l, l);
            if (finalOnly) Array.Fill(targets, Batch.IgnoreIndex, i * l, l - 1);
        }
        return new Batch(inputs, targets, b, l);
    }

    private static string Key(int[] tokens) => string.Join(',', tokens);
}
