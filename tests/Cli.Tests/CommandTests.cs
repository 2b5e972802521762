using HyenaIL.Layers;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>The command as a user meets it: small runs end to end, and one clear line for each kind of bad input.</summary>
public sealed class CommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hyenail-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static readonly string[] Tiny = ["--device", "cpu", "--vocab", "8", "--seq-len", "12", "--width", "16", "--layers", "1", "--batch-size", "4"];

    private CliHost.Result Hyena(params string[] args) => CliHost.Run(dir, args);

    private static void AssertOneCleanError(CliHost.Result r, string expected)
    {
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains(expected, r.Err);
        Assert.DoesNotContain("   at ", r.Err);            // no stack trace
        Assert.StartsWith("hyena: ", r.Err.TrimStart());
        Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void DevicesListsTheCpuAndWhatAutoPicks()
    {
        var r = Hyena("devices");
        Assert.Equal(0, r.ExitCode);
        Assert.Contains("found    cpu", r.Out);
        Assert.Contains("auto picks: ", r.Out);
        bool cuda = DeviceSelector.Discover().Candidates.Any(c => c.Name.StartsWith("cuda:", StringComparison.Ordinal) && c.Usable);
        Assert.Matches(cuda ? "found +cuda:0" : "skipped +cuda", r.Out);
        Assert.DoesNotContain("overrides auto", r.Out);
    }

    [Fact]
    public void TheEnvironmentVariableReplacesAutoAndAnExplicitDeviceWinsOverIt()
    {
        var env = new Dictionary<string, string> { ["HYENAIL_DEVICE"] = "ilgpu-cpu" };
        var devices = CliHost.Run(dir, env, "devices");
        Assert.Equal(0, devices.ExitCode);
        Assert.Contains("HYENAIL_DEVICE=ilgpu-cpu overrides auto", devices.Out);

        string run = Path.Combine(dir, "requested");
        var requested = CliHost.Run(dir, env, ["train", .. Tiny, "--steps", "1", "--out", run]); // Tiny says --device cpu
        Assert.True(requested.ExitCode == 0, requested.Err);
        Assert.Contains("device: cpu (requested)", requested.Out);

        var fromEnv = CliHost.Run(dir, env, "generate", "--checkpoint", Path.Combine(run, "checkpoint.safetensors"), "--prompt", "0 4 =>", "--tokens", "1");
        Assert.True(fromEnv.ExitCode == 0, fromEnv.Err);
        Assert.Contains("device: ilgpu-cpu (from HYENAIL_DEVICE)", fromEnv.Out);

        var unknown = CliHost.Run(dir, new Dictionary<string, string> { ["HYENAIL_DEVICE"] = "tpu" }, "generate", "--checkpoint", Path.Combine(run, "checkpoint.safetensors"), "--prompt", "0", "--tokens", "1");
        AssertOneCleanError(unknown, "unknown device 'tpu'");
    }

    [Fact]
    public void TrainEvalGenerateAndInspectWorkTogether()
    {
        string run = Path.Combine(dir, "run");
        var train = Hyena(["train", .. Tiny, "--steps", "10", "--eval-every", "5", "--out", run]);
        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("completed after 10 steps", train.Out);
        string ckpt = Path.Combine(run, "checkpoint.safetensors");
        foreach (var f in new[] { "config.json", "metrics.jsonl", "summary.json", "checkpoint.safetensors" })
            Assert.True(File.Exists(Path.Combine(run, f)), $"the run folder lacks {f}");
        Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length); // steps 5 (an evaluation) and 10 (a log and an evaluation)

        var eval = Hyena("eval", "--checkpoint", ckpt, "--json", "--device", "cpu");
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Matches("\"loss\":[0-9.]+", eval.Out);
        Assert.Matches("\"accuracy\":[0-9.]+", eval.Out);

        var gen = Hyena("generate", "--checkpoint", ckpt, "--prompt", "0 4 1 5 =>", "--tokens", "3", "--device", "cpu");
        Assert.True(gen.ExitCode == 0, gen.Err);
        Assert.Matches(@"0 4 1 5 => (\S+ ){2}\S+", gen.Out);

        string filters = Path.Combine(dir, "f.csv"), matrix = Path.Combine(dir, "m.csv");
        var inspect = Hyena("inspect", "--checkpoint", ckpt, "--filters", filters, "--matrix", matrix, "--channel", "3", "--input", "0 3 1 4 2 5");
        Assert.True(inspect.ExitCode == 0, inspect.Err);
        Assert.Contains("backbone.layers.0.mixer.filter_fn.implicit_filter.1.freq", inspect.Out);
        Assert.Equal(1 + 16 * 12, File.ReadAllLines(filters).Length);
        var rows = File.ReadAllLines(matrix);
        Assert.Equal(6, rows.Length);
        Assert.All(rows, r => Assert.Equal(6, r.Split(',').Length));
        Assert.Equal("0", rows[0].Split(',')[5]); // above the diagonal: causal
    }

    [Fact]
    public void EvalScoresAWholeTextFileInConsecutiveWindows()
    {
        string text = Path.Combine(dir, "t.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 60)));
        string run = Path.Combine(dir, "text");
        var train = Hyena("train", "--text", text, "--seq-len", "16", "--width", "16", "--layers", "1", "--steps", "4", "--batch-size", "2", "--device", "cpu", "--out", run);
        Assert.True(train.ExitCode == 0, train.Err);
        var eval = Hyena("eval", "--checkpoint", Path.Combine(run, "checkpoint.safetensors"), "--text", text, "--seq-len", "16", "--json", "--device", "cpu");
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Matches("\"bits_per_byte\":[0-9.]+", eval.Out);
        Assert.Contains($"\"tokens\":{(2700 - 1) / 16 * 16}", eval.Out);
    }

    [Fact]
    public void BadInputGetsOneClearLineAndANonZeroExit()
    {
        AssertOneCleanError(Hyena("train", "--text", Path.Combine(dir, "nope.txt"), "--device", "cpu"), "does not exist");
        string empty = Path.Combine(dir, "empty.txt");
        File.WriteAllText(empty, "");
        AssertOneCleanError(Hyena("train", "--text", empty, "--device", "cpu"), "is empty");
        AssertOneCleanError(Hyena("train", "--device", "quantum"), "unknown device 'quantum'");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--vocab", "3"), "vocabulary of at least 4");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--seq-len", "7"), "even sequence length");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--steps", "0"), "steps must be at least 1");
        AssertOneCleanError(Hyena("eval", "--checkpoint", Path.Combine(dir, "none.safetensors")), "no such file");
    }

    [Fact]
    public void BadCheckpointsGetOneClearLine()
    {
        string run = Path.Combine(dir, "r");
        Assert.Equal(0, Hyena(["train", .. Tiny, "--steps", "2", "--out", run]).ExitCode);
        string ckpt = Path.Combine(run, "checkpoint.safetensors");
        var bytes = File.ReadAllBytes(ckpt);
        string truncated = Path.Combine(dir, "truncated.safetensors");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        AssertOneCleanError(Hyena("eval", "--checkpoint", truncated, "--device", "cpu"), "truncated");
        string corrupt = Path.Combine(dir, "corrupt.safetensors");
        var c = (byte[])bytes.Clone();
        c[9] = (byte)'!';
        File.WriteAllBytes(corrupt, c);
        AssertOneCleanError(Hyena("eval", "--checkpoint", corrupt, "--device", "cpu"), "corrupt");
        string other = Path.Combine(dir, "other");
        Assert.Equal(0, Hyena("train", "--device", "cpu", "--vocab", "8", "--seq-len", "12", "--width", "24", "--layers", "1", "--steps", "1", "--batch-size", "2", "--out", other).ExitCode);
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--vocab", "8", "--seq-len", "64", "--steps", "2", "--init-from", Path.Combine(other, "checkpoint.safetensors"), "--out", Path.Combine(dir, "x")),
            "takes at most 12");
        AssertOneCleanError(Hyena("eval", "--checkpoint", ckpt, "--text", ckpt, "--device", "cpu"), "vocabulary is 8");
    }

    [Fact]
    public void AKilledRunAlwaysLeavesALoadableCheckpoint()
    {
        string run = Path.Combine(dir, "killed");
        string ckpt = Path.Combine(run, "checkpoint.safetensors");
        var random = new Random(3);
        for (int attempt = 0; attempt < 6; attempt++)
        {
            var args = File.Exists(ckpt)
                ? new[] { "train", "--resume", run, "--steps", "100000" }
                : ["train", .. Tiny, "--steps", "100000", "--checkpoint-every", "1", "--eval-every", "0", "--out", run];
            using var p = CliHost.Start(dir, args);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(ckpt) && DateTime.UtcNow < deadline) Thread.Sleep(20);
            Thread.Sleep(random.Next(50, 600)); // kill at an arbitrary moment, often during a checkpoint write
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            using var model = Checkpoint.LoadModel(ckpt, Device.Cpu);
            Assert.Equal(16, model.Config.Width);
        }
    }

    [Fact]
    public async Task CtrlCSavesACheckpointAndExitsCleanly()
    {
        string run = Path.Combine(dir, "interrupted");
        using var p = CliHost.Start(dir, ["train", .. Tiny, "--steps", "100000", "--eval-every", "0", "--checkpoint-every", "0", "--out", run]);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(Path.Combine(run, "config.json")) && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Thread.Sleep(1500);
        CliHost.Interrupt(p);
        Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "the process did not stop after Ctrl-C");
        Assert.Equal(0, p.ExitCode);
        Assert.Contains("cancelled after", await stdout);
        Assert.Contains("saving a checkpoint", await stderr);
        using var model = Checkpoint.LoadModel(Path.Combine(run, "checkpoint.safetensors"), Device.Cpu);
        Assert.Contains("\"reason\": \"Cancelled\"", File.ReadAllText(Path.Combine(run, "summary.json")));
    }
}
