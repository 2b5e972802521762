using HyenaIL.Training;
using Xunit;

namespace HyenaIL.Tests;

public sealed class AssociativeRecallTests
{
    [Fact]
    public void TheVocabularyIsSortedAsStringsWithTheSpecialTokensAtTheEnds()
    {
        var ten = new AssociativeRecall(10, 8, 0, 4, 1);
        Assert.Equal(new[] { ".", "0", "1", "2", "3", "4", "5", "6", "7", "=>" }, ten.Tokens);
        var thirty = new AssociativeRecall(30, 8, 0, 4, 1);
        Assert.Equal(Thirty, thirty.Tokens);
    }

    /// <summary>reference/hyena.md §4.1, V = 30, written out.</summary>
    private static readonly string[] Thirty =
    [
        ".", "0", "1", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "2", "20", "21", "22", "23", "24", "25",
        "26", "27", "3", "4", "5", "6", "7", "8", "9", "=>",
    ];

    [Fact]
    public void WithVocabulary30TheKeysAndValuesAreTheReferencesHalves()
    {
        // §4.1: keys {0, 1, 10..19, 2, 20}, values {21..27, 3..9}.
        string[] keys = ["0", "1", "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "2", "20"];
        string[] values = ["21", "22", "23", "24", "25", "26", "27", "3", "4", "5", "6", "7", "8", "9"];
        var task = new AssociativeRecall(30, 64, 0, 300, 1);
        var seenKeys = new HashSet<string>();
        var seenValues = new HashSet<string>();
        foreach (var example in task.HeldOut)
        {
            for (int p = 0; p < 31; p++)
            {
                seenKeys.Add(task.Tokens[example[2 * p]]);
                seenValues.Add(task.Tokens[example[2 * p + 1]]);
            }
            Assert.Equal("=>", task.Tokens[example[^3]]);
            Assert.Contains(task.Tokens[example[^2]], keys);
            Assert.Contains(task.Tokens[example[^1]], values);
        }
        // 300 examples of 31 pairs: every key and every value occurs (a key is missed with probability (13/14)^9300).
        Assert.Equal(keys.Order(StringComparer.Ordinal), seenKeys.Order(StringComparer.Ordinal));
        Assert.Equal(values.Order(StringComparer.Ordinal), seenValues.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ExamplesRecallAQueriedKeysValueFromTheExamplesOwnDictionary()
    {
        var task = new AssociativeRecall(10, 20, 0, 50, 3);
        foreach (var example in task.HeldOut)
        {
            Assert.Equal(21, example.Length);
            Assert.Equal(task.Separator, example[^3]);
            int query = example[^2], answer = example[^1];
            var pairs = Enumerable.Range(0, 9).Select(p => (Key: example[2 * p], Value: example[2 * p + 1])).ToList();
            Assert.All(pairs, p => Assert.InRange(p.Key, 1, 4));    // keys: ids 1..4 ("0".."3")
            Assert.All(pairs, p => Assert.InRange(p.Value, 5, 8));  // values: ids 5..8 ("4".."7")
            Assert.Contains(pairs, p => p.Key == query);
            Assert.All(pairs.Where(p => p.Key == query), p => Assert.Equal(answer, p.Value));
            Assert.All(pairs.GroupBy(p => p.Key), g => Assert.Single(g.Select(p => p.Value).Distinct()));
        }
    }

    [Fact]
    public void TheHeldOutScoredTargetIsTheLastPositionAndTheQueriedKeysValue()
    {
        const int l = 20;
        var task = new AssociativeRecall(10, l, 0, 50, 3);
        int index = 0;
        foreach (var batch in task.EvalBatches(8))
            for (int i = 0; i < batch.Size; i++, index++)
            {
                var inputs = batch.Inputs[(i * l)..((i + 1) * l)];
                var targets = batch.Targets[(i * l)..((i + 1) * l)];
                Assert.Equal(task.HeldOut[index][..l], inputs);
                Assert.All(targets[..^1], t => Assert.Equal(Batch.IgnoreIndex, t));
                Assert.Equal(task.Separator, inputs[l - 2]);
                // The example's dictionary, read from its pairs (each key keeps one value within an example).
                var dictionary = Enumerable.Range(0, (l - 2) / 2).Select(p => (Key: inputs[2 * p], Value: inputs[2 * p + 1]))
                    .DistinctBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value);
                int query = inputs[l - 1];
                Assert.True(dictionary.ContainsKey(query), $"held-out example {index}: its query key {query} does not occur in it");
                Assert.Equal(dictionary[query], targets[l - 1]);
            }
        Assert.Equal(50, index);
    }

    [Fact]
    public void EveryExampleDrawsItsOwnDictionary()
    {
        // V = 10: keys 1..4, values 5..8. Were the dictionary shared, each key would always map to one value; drawn per
        // example, each key's value is uniform over the four. Over 2000 examples a key occurs in about 1850 (it is
        // missing with probability (3/4)^9), so each value's share has a standard deviation of about 0.01 around 0.25:
        // [0.20, 0.30] is five of them.
        var task = new AssociativeRecall(10, 20, 0, 1, 3);
        var rng = new SeededRandom(17);
        var counts = new int[10, 10];
        int sharedValue = 0;
        for (int e = 0; e < 2000; e++)
        {
            var example = task.Example(rng);
            var dictionary = Enumerable.Range(0, 9).Select(p => (Key: example[2 * p], Value: example[2 * p + 1]))
                .DistinctBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value);
            foreach (var (key, value) in dictionary) counts[key, value]++;
            if (dictionary.Values.Distinct().Count() < dictionary.Count) sharedValue++;
        }
        for (int key = 1; key <= 4; key++)
        {
            int total = Enumerable.Range(5, 4).Sum(v => counts[key, v]);
            Assert.InRange(total, 1700, 2000);
            for (int value = 5; value <= 8; value++)
                Assert.InRange(counts[key, value] / (double)total, 0.20, 0.30);
        }
        // Values may repeat across the keys of one example (§4.1): with four keys and four values, most examples repeat one.
        Assert.InRange(sharedValue, 1000, 2000);
    }

    [Fact]
    public void HeldOutBatchesScoreOnlyTheFinalValueAndTrainingBatchesScoreEverything()
    {
        var task = new AssociativeRecall(10, 12, 0, 5, 3);
        var eval = task.EvalBatches(4).ToList();
        Assert.Equal(new[] { 4, 1 }, eval.Select(b => b.Size));
        Assert.All(eval, b => Assert.Equal(b.Size, b.Targets.Count(t => t != Batch.IgnoreIndex)));
        var train = task.TrainBatch(7, 3);
        Assert.DoesNotContain(Batch.IgnoreIndex, train.Targets);
        Assert.Equal(train.Inputs[1..12], train.Targets[..11]);
    }

    [Fact]
    public void BatchesArePureFunctionsOfTheSeedAndStep()
    {
        var a = new AssociativeRecall(10, 16, 100, 20, 5);
        var b = new AssociativeRecall(10, 16, 100, 20, 5);
        Assert.Equal(a.TrainBatch(42, 8).Inputs, b.TrainBatch(42, 8).Inputs);
        Assert.NotEqual(a.TrainBatch(42, 8).Inputs, a.TrainBatch(43, 8).Inputs);
        var held = a.HeldOut.Select(e => string.Join(',', e)).ToHashSet();
        for (int s = 0; s < 50; s++)
        {
            var batch = a.TrainBatch(s, 8);
            for (int i = 0; i < 8; i++)
            {
                var example = batch.Inputs[(i * 16)..((i + 1) * 16)].Append(batch.Targets[i * 16 + 15]);
                Assert.DoesNotContain(string.Join(',', example), held);
            }
        }
    }

    [Fact]
    public void FreshTrainingExamplesAreNeverHeldOutOnes()
    {
        // V = 6, L = 6: a couple of dozen distinct examples, of which 10 are held out, so fresh draws would often hit one.
        var task = new AssociativeRecall(6, 6, 0, 10, 5);
        var held = task.HeldOut.Select(e => string.Join(',', e)).ToHashSet();
        for (int s = 0; s < 200; s++)
        {
            var batch = task.TrainBatch(s, 8);
            for (int i = 0; i < 8; i++)
            {
                var example = batch.Inputs[(i * 6)..((i + 1) * 6)].Append(batch.Targets[i * 6 + 5]);
                Assert.DoesNotContain(string.Join(',', example), held);
            }
        }
    }

    [Theory]
    [InlineData(3, 8)]
    [InlineData(10, 7)]
    [InlineData(10, 2)]
    public void ImpossibleSettingsAreRefusedWithTheReason(int vocab, int length)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new AssociativeRecall(vocab, length, 0, 5, 1));
        Assert.Contains(vocab < 4 ? "vocabulary" : "sequence length", e.Message);
    }
}
