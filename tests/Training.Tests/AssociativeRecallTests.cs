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
        Assert.Equal(".", thirty.Tokens[0]);
        Assert.Equal(new[] { "0", "1", "10", "11" }, thirty.Tokens[1..5]);
        Assert.Equal("=>", thirty.Tokens[^1]);
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
