using HyenaIL.Training;
using Xunit;

namespace HyenaIL.Tests;

public sealed class RunDirectoryTests : IDisposable
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "hyenail-rundir-" + Guid.NewGuid().ToString("N"));

    public RunDirectoryTests() => Directory.CreateDirectory(dir);

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string Metrics => Path.Combine(dir, RunDirectory.MetricsFileName);

    private static string Line(int step) => $"{{\"step\":{step},\"loss\":{1.0 / step:R},\"accuracy\":0.5}}\n";

    [Fact]
    public void OpeningAFolderRemovesOnlyTheTemporariesOfKilledCheckpointWrites()
    {
        // What SafeTensors.Save writes before its rename, as a kill leaves it.
        string[] stale = [$".checkpoint.safetensors.{Guid.NewGuid():N}.tmp", $".checkpoint.safetensors.{Guid.NewGuid():N}.tmp"];
        string[] others =
        [
            "checkpoint.safetensors", "metrics.jsonl", "config.json.tmp",
            $"checkpoint.safetensors.{Guid.NewGuid():N}.tmp",            // no leading dot
            $".model.safetensors.{Guid.NewGuid():N}.tmp",                // another file's temporary
            $".checkpoint.safetensors.{Guid.NewGuid():N}.tmp.keep",
            $".checkpoint.safetensors.{Guid.NewGuid().ToString("N").ToUpperInvariant()}.tmp",
            ".checkpoint.safetensors.1234.tmp",
            $".checkpoint.safetensors.{Guid.NewGuid():D}.tmp",           // a GUID with dashes
        ];
        foreach (var name in stale.Concat(others)) File.WriteAllText(Path.Combine(dir, name), "x");
        Directory.CreateDirectory(Path.Combine(dir, $".checkpoint.safetensors.{Guid.NewGuid():N}.tmp"));   // a folder, not a file

        var run = new RunDirectory(dir);

        Assert.Equal(stale.Order(), run.RemovedTemporaryFiles.Order());
        foreach (var name in stale) Assert.False(File.Exists(Path.Combine(dir, name)), $"{name} should have been removed");
        foreach (var name in others) Assert.True(File.Exists(Path.Combine(dir, name)), $"{name} is not a stale checkpoint temporary and must stay");
        Assert.Single(Directory.GetDirectories(dir));
    }

    [Fact]
    public void ResumingDropsATornLastLineAndTheLinesLoggedAfterTheCheckpoint()
    {
        string kept = Line(1) + Line(2) + Line(3);
        File.WriteAllText(Metrics, kept + Line(4) + Line(5) + "{\"step\":6,\"loss\":0.4");   // killed while writing step 6
        var run = new RunDirectory(dir);

        Assert.Equal(3, run.KeepMetricsUpTo(3));

        Assert.Equal(kept, File.ReadAllText(Metrics));
        Assert.Equal(new[] { RunDirectory.MetricsFileName }, Directory.GetFiles(dir).Select(f => Path.GetFileName(f)));   // no temporary left
    }

    [Fact]
    public void ALineAnOlderVersionAppendedOntoATornOneIsDropped()
    {
        // Before resuming trimmed the file, a resumed run appended its first line onto the torn one.
        File.WriteAllText(Metrics, Line(1) + "{\"step\":2,\"lo" + Line(2) + Line(3));
        Assert.Equal(1, new RunDirectory(dir).KeepMetricsUpTo(10));
        Assert.Equal(Line(1) + Line(3), File.ReadAllText(Metrics));
    }

    [Fact]
    public void AFileThatNeedsNoTrimmingIsLeftAsItIs()
    {
        string text = Line(1) + "{\"note\":\"written by hand\"}\n" + Line(2);
        File.WriteAllText(Metrics, text);
        var written = File.GetLastWriteTimeUtc(Metrics);
        var run = new RunDirectory(dir);
        Assert.Equal(0, run.KeepMetricsUpTo(2));
        Assert.Equal(text, File.ReadAllText(Metrics));
        Assert.Equal(written, File.GetLastWriteTimeUtc(Metrics));
        Assert.Equal(0, new RunDirectory(Path.Combine(dir, "empty")).KeepMetricsUpTo(5));   // no metrics.jsonl at all
    }

    [Fact]
    public void ACompleteLastLineThatLostOnlyItsNewlineIsKept()
    {
        File.WriteAllText(Metrics, Line(1) + Line(2).TrimEnd('\n'));
        Assert.Equal(0, new RunDirectory(dir).KeepMetricsUpTo(2));
        Assert.Equal(Line(1) + Line(2), File.ReadAllText(Metrics));
    }
}
