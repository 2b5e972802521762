using HyenaIL.Training;
using Xunit;

namespace HyenaIL.Tests;

public sealed class ByteTextTests : IDisposable
{
    private readonly string path = Path.GetTempFileName();

    public void Dispose() => File.Delete(path);

    [Fact]
    public void TheLastTenthIsHeldOutAndScoredInConsecutiveWindows()
    {
        var bytes = Enumerable.Range(0, 1000).Select(i => (byte)(i % 251)).ToArray();
        File.WriteAllBytes(path, bytes);
        var task = new ByteText(path, 10, 1);
        var windows = task.EvalBatches(4).ToList();
        Assert.Equal(99 / 10, windows.Sum(b => b.Size)); // 100 held-out bytes: (100 − 1) / 10 full windows
        var first = windows[0];
        Assert.Equal(bytes[900..910].Select(b => (int)b), first.Inputs[..10]);
        Assert.Equal(bytes[901..911].Select(b => (int)b), first.Targets[..10]);
        var train = task.TrainBatch(0, 16);
        for (int i = 0; i < 16; i++)
        {
            Assert.InRange(train.Inputs[i * 10], 0, 250);
            Assert.Equal(train.Inputs[(i * 10 + 1)..(i * 10 + 10)], train.Targets[(i * 10)..(i * 10 + 9)]);
        }
    }

    [Fact]
    public void AFileOfExactlyLPlusOneBytesIsOneWindow()
    {
        var windows = ByteText.Windows(new byte[] { 1, 2, 3, 4, 5 }, 4, 8).ToList();
        var w = Assert.Single(windows);
        Assert.Equal(new[] { 1, 2, 3, 4 }, w.Inputs);
        Assert.Equal(new[] { 2, 3, 4, 5 }, w.Targets);
    }

    [Fact]
    public void MissingEmptyAndTooShortFilesAreRefused()
    {
        Assert.Throws<FileNotFoundException>(() => new ByteText(path + ".missing", 8, 1));
        File.WriteAllBytes(path, []);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new ByteText(path, 8, 1)).Message);
        File.WriteAllBytes(path, new byte[50]);
        Assert.Contains("too short", Assert.Throws<ArgumentException>(() => new ByteText(path, 8, 1)).Message);
    }
}
