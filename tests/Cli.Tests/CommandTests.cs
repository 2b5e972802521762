using System.Text.Json.Nodes;
using HyenaIL.Layers;
using HyenaIL.Training;
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

    private string TrainTiny(string name, params string[] more)
    {
        string run = Path.Combine(dir, name);
        var r = Hyena(["train", .. Tiny, "--eval-every", "0", .. more, "--out", run]);
        Assert.True(r.ExitCode == 0, r.Err);
        return Path.Combine(run, "checkpoint.safetensors");
    }

    /// <summary>A checkpoint's model tensors (the optimizer state left out).</summary>
    private static Dictionary<string, float[]> ModelTensors(string checkpoint) => Checkpoint.Read(checkpoint).Tensors.Values
        .Where(t => !t.Name.StartsWith(Checkpoint.ReservedPrefix, StringComparison.Ordinal)).ToDictionary(t => t.Name, t => t.Data);

    private static JsonNode Config(string checkpoint) => JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(checkpoint)!, "config.json")))!;

    [Fact]
    public void CommandLinesThatDoNotParseGetOneLineNotTheHelp()
    {
        AssertOneCleanError(Hyena("train", "--steps", "abc"), "cannot parse argument 'abc' for option '--steps' as expected type 'integer'");
        AssertOneCleanError(Hyena("train", "--frobnicate"), "unrecognized command or argument '--frobnicate'");
        AssertOneCleanError(Hyena("train", "--task", "sorting"), "'sorting' not recognized. Must be one of: 'assoc-recall' 'text'");
        AssertOneCleanError(Hyena("eval", "--seq-len", "x", "--checkpoint", "c"), "for option '--seq-len' as expected type 'integer'");
        AssertOneCleanError(Hyena("eval"), "option '--checkpoint' is required");
        var r = Hyena("generate", "--tokens", "many", "--checkpoint", "c", "--prompt", "p");
        Assert.Contains("(see 'hyena generate --help')", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void OptionsThatCannotApplyAreRefusedNotIgnored()
    {
        string text = Path.Combine(dir, "t.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 60)));
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--text", text, "--vocab", "8"), "--vocab is for --task assoc-recall; a text run's vocabulary is the 256 byte values, got --vocab 8");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--text", text, "--train-examples", "5"), "--train-examples is for --task assoc-recall");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--text", text, "--task", "assoc-recall"), "cannot be combined with --task assoc-recall");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--heads", "2"), "--heads is for Transformer models");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--model", "transformer", "--order", "3"), "--order is for Hyena models");
        AssertOneCleanError(Hyena("generate", "--checkpoint", "c", "--prompt", "p", "--top-k", "-3"), "--top-k must be at least 0 (0: all tokens), got -3");
        AssertOneCleanError(Hyena("generate", "--checkpoint", "c", "--prompt", "p", "--tokens", "-1"), "--tokens must be at least 0, got -1");
        AssertOneCleanError(Hyena("inspect", "--checkpoint", "c", "--input", "1 2"), "--input is for --matrix, which was not given");
        AssertOneCleanError(Hyena("inspect", "--checkpoint", "c", "--length", "4"), "--length is for --filters, which was not given");
    }

    [Fact]
    public void OptionsReachTheRunsConfig()
    {
        var hyena = Config(TrainTiny("hyena", "--order", "3", "--optimizer", "sgd", "--lr", "0.05", "--seed", "9", "--accumulate", "2", "--warmup", "7", "--clip", "0.5", "--steps", "2"));
        Assert.Equal(3, (int)hyena["model"]!["Order"]!);
        Assert.Equal("Hyena", (string)hyena["model"]!["Mixer"]!);
        Assert.Equal(16, (int)hyena["model"]!["Width"]!);
        Assert.Equal(1, (int)hyena["model"]!["Layers"]!);
        Assert.Equal(12, (int)hyena["model"]!["MaxLength"]!);
        var t = hyena["training"]!;
        Assert.Equal("Sgd", (string)t["Optimizer"]!);
        Assert.Equal(0.05, (double)t["Optimization"]!["LearningRate"]!);
        Assert.Equal(9UL, (ulong)t["Seed"]!);
        Assert.Equal(2, (int)t["GradientAccumulation"]!);
        Assert.Equal(4, (int)t["BatchSize"]!);
        Assert.Equal(7, (int)t["WarmupSteps"]!);
        Assert.Equal(0.5, (double)t["ClipNorm"]!);
        Assert.Equal(2, (int)t["Steps"]!);
        Assert.Equal("8", (string)hyena["task"]!["vocab"]!);
        Assert.Equal("12", (string)hyena["task"]!["seq_len"]!);
        Assert.Equal("9", (string)hyena["task"]!["data_seed"]!);

        var transformer = Config(TrainTiny("transformer", "--model", "transformer", "--heads", "2", "--steps", "1"));
        Assert.Equal("Attention", (string)transformer["model"]!["Mixer"]!);
        Assert.Equal(2, (int)transformer["model"]!["Heads"]!);
    }

    [Fact]
    public void InitFromStartsANewRunFromTheCheckpointsWeights()
    {
        string a = TrainTiny("a", "--steps", "20");
        // A learning rate of 1e-30 leaves every weight where it started (within 1e-6), so B's checkpoint shows where it began.
        string b = TrainTiny("b", "--init-from", a, "--steps", "1", "--lr", "1e-30", "--seed", "5");
        var before = ModelTensors(a);
        var after = ModelTensors(b);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, values) in before)
            Assert.True(values.Zip(after[name]).All(x => Math.Abs(x.First - x.Second) <= 1e-6), $"{name} moved away from the checkpoint it was initialised from");
        using var fresh = new LanguageModel(Checkpoint.ConfigOf(Checkpoint.Read(b)), Device.Cpu, 5);
        double furthest = 0;
        foreach (var (name, p) in fresh.NamedParameters())
            if (before.TryGetValue(name, out var trained))
                furthest = Math.Max(furthest, p.Value.ToFloatArray().Zip(trained).Max(x => Math.Abs(x.First - x.Second)));
        Assert.True(furthest > 1e-2, $"a fresh model is within {furthest} of the trained one, so the comparison above shows nothing");
        Assert.Contains("initialised from", Hyena(["train", .. Tiny, "--init-from", a, "--steps", "1", "--out", Path.Combine(dir, "c")]).Out);

        string[] task = ["train", "--device", "cpu", "--vocab", "8", "--seq-len", "12", "--init-from", a, "--out", Path.Combine(dir, "d")];
        AssertOneCleanError(Hyena([.. task, "--width", "24"]),
            "fixes the architecture: its model has --width 16, so --width 24 cannot apply");
        AssertOneCleanError(Hyena(["train", .. Tiny, "--init-from", a, "--model", "transformer", "--out", Path.Combine(dir, "d")]), "its model has --model hyena");
        AssertOneCleanError(Hyena([.. task, "--layers", "2"]), "--layers 2 cannot apply");
        AssertOneCleanError(Hyena(["train", .. Tiny, "--init-from", a, "--order", "3", "--out", Path.Combine(dir, "d")]), "--order 3 cannot apply");
    }

    [Fact]
    public void ResumeContinuesTheRunAsItWasConfigured()
    {
        string ckpt = TrainTiny("r", "--steps", "3");
        string run = Path.GetDirectoryName(ckpt)!;
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--resume", run, "--lr", "0.01"), "as it was configured, with --lr 0.001; --lr 0.01 cannot change on resume");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--resume", run, "--batch-size", "8"), "with --batch-size 4; --batch-size 8 cannot change on resume");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--resume", run, "--width", "32"), "--width 32 cannot change on resume");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--resume", run, "--vocab", "10"), "--vocab 10 cannot change on resume");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--resume", run, "--out", Path.Combine(dir, "elsewhere")), "cannot change on resume");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--resume", run, "--init-from", ckpt), "cannot be combined with --init-from");
        AssertOneCleanError(Hyena("train", "--device", "cpu", "--resume", run, "--steps", "3"), "is at step 3; --steps 3 must be more than that");
        Assert.False(Directory.Exists(Path.Combine(dir, "elsewhere")));

        // The same command line with --resume added is accepted, and --steps extends the run.
        var r = Hyena(["train", .. Tiny, "--resume", run, "--steps", "5", "--out", run]);
        Assert.True(r.ExitCode == 0, r.Err);
        Assert.Contains("at step 3 of 3; training to step 5 instead of 3", r.Out);
        Assert.Contains("completed after 5 steps", r.Out);
        Assert.Equal(5, (int)JsonNode.Parse(Checkpoint.Read(ckpt).Metadata[Trainer.StateKey])!["Step"]!);
        Assert.Equal(5, (int)Config(ckpt)["training"]!["Steps"]!);
    }

    [Fact]
    public async Task ARunInterruptedAndResumedEndsBitForBitWhereAnUninterruptedOneDoes()
    {
        const string steps = "400";
        string straight = TrainTiny("straight", "--steps", steps, "--checkpoint-every", "0");
        string run = Path.Combine(dir, "cut");
        using (var p = CliHost.Start(dir, ["train", .. Tiny, "--steps", steps, "--eval-every", "0", "--checkpoint-every", "0", "--out", run]))
        {
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!File.Exists(Path.Combine(run, "metrics.jsonl")) && DateTime.UtcNow < deadline) Thread.Sleep(5);
            CliHost.Interrupt(p);
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(60)), "the process did not stop after Ctrl-C");
            Assert.True(p.ExitCode == 0, await stderr);
            Assert.Contains("cancelled after", await stdout);
        }
        var resumed = Hyena("train", "--resume", run, "--device", "cpu");
        Assert.True(resumed.ExitCode == 0, resumed.Err);
        Assert.Contains($"completed after {steps} steps", resumed.Out);
        var expected = Checkpoint.Read(straight).Tensors;
        var actual = Checkpoint.Read(Path.Combine(run, "checkpoint.safetensors")).Tensors;
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());  // the model and the optimizer state
        foreach (var (name, t) in expected)
            Assert.True(t.Data.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual[name].Data.Select(BitConverter.SingleToInt32Bits)), $"{name} differs");
    }

    [Fact]
    public void ANonFiniteLossBeforeAnyCheckpointSaysNoneWasWritten()
    {
        string run = Path.Combine(dir, "nan");
        var r = Hyena(["train", .. Tiny, "--steps", "50", "--lr", "1e30", "--clip", "0", "--warmup", "0", "--eval-every", "0", "--checkpoint-every", "0", "--out", run]);
        AssertOneCleanError(r, "no checkpoint was written yet");
        Assert.Matches("non-finite .* at step [0-9]+", r.Err);
        Assert.Equal(HyenaIL.Cli.CliRunner.Failure, r.ExitCode);
        Assert.DoesNotContain("checkpoint:", r.Out);
        Assert.False(File.Exists(Path.Combine(run, "checkpoint.safetensors")));
    }

    [Fact]
    public void EvalTakesTheTaskOptionsAndDefaultsToTheCheckpoints()
    {
        string ckpt = TrainTiny("e", "--steps", "3");
        string modelOnly = Path.Combine(dir, "model-only.safetensors");
        using (var model = Checkpoint.LoadModel(ckpt, Device.Cpu)) Checkpoint.Save(modelOnly, model);
        var stored = Hyena("eval", "--checkpoint", ckpt, "--json", "--device", "cpu");
        var inferred = Hyena("eval", "--checkpoint", modelOnly, "--json", "--device", "cpu");
        Assert.True(stored.ExitCode == 0 && inferred.ExitCode == 0, stored.Err + inferred.Err);
        // Without training state the defaults are the model's vocabulary and l_max and seed 1: the same held-out set here.
        Assert.Contains("associative recall, vocabulary 8, length 12: 500 held-out examples (seed 1)", inferred.Out);
        Assert.Equal(JsonNode.Parse(stored.Out)!["loss"]!.ToJsonString(), JsonNode.Parse(inferred.Out)!["loss"]!.ToJsonString());
        var other = Hyena("eval", "--checkpoint", modelOnly, "--vocab", "8", "--seq-len", "10", "--seed", "3", "--device", "cpu");
        Assert.True(other.ExitCode == 0, other.Err);
        Assert.Contains("associative recall, vocabulary 8, length 10: 500 held-out examples (seed 3): cross-entropy", other.Out);
        AssertOneCleanError(Hyena("eval", "--checkpoint", modelOnly, "--vocab", "30", "--device", "cpu"), "--vocab 30 is more than the model's vocabulary of 8");
        AssertOneCleanError(Hyena("eval", "--checkpoint", modelOnly, "--seq-len", "14", "--device", "cpu"), "--seq-len 14 is outside [1, 12]");
        AssertOneCleanError(Hyena("eval", "--checkpoint", modelOnly, "--task", "text", "--device", "cpu"), "--task text needs --text FILE");
        AssertOneCleanError(Hyena("eval", "--checkpoint", ckpt, "--text", ckpt, "--vocab", "8", "--device", "cpu"), "--vocab is for --task assoc-recall");
    }

    [Fact]
    public void EvalScoresTheWholeHeldOutTextWhileTrainingEvaluationsSayTheyAreCapped()
    {
        string text = Path.Combine(dir, "long.txt");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 600)));
        int heldOut = (int)new FileInfo(text).Length / 10, windows = (heldOut - 1) / 8;
        Assert.True(windows > 256);
        string run = Path.Combine(dir, "long");
        var train = Hyena("train", "--text", text, "--seq-len", "8", "--width", "16", "--layers", "1", "--steps", "1", "--batch-size", "2", "--device", "cpu", "--out", run);
        Assert.True(train.ExitCode == 0, train.Err);
        Assert.Contains("evaluations score at most 256 held-out windows", train.Out);
        Assert.Contains($"over {256 * 8:N0} tokens", train.Out);
        var eval = Hyena("eval", "--checkpoint", Path.Combine(run, "checkpoint.safetensors"), "--json", "--device", "cpu");
        Assert.True(eval.ExitCode == 0, eval.Err);
        Assert.Contains("every held-out window", eval.Out);
        Assert.Contains($"\"tokens\":{windows * 8}", eval.Out);
    }

    [Fact]
    public void TokenIdsBeyondTheTokenizerAndBadInputsToInspectGetOneLine()
    {
        string wide = Path.Combine(dir, "wide");
        Assert.Equal(0, Hyena("train", "--device", "cpu", "--vocab", "16", "--seq-len", "12", "--width", "16", "--layers", "1", "--batch-size", "4", "--steps", "1", "--out", wide).ExitCode);
        wide = Path.Combine(wide, "checkpoint.safetensors");
        // A model of vocabulary 16 trained on an 8-token task: at temperature 50 it soon draws an id the task has no token for.
        string narrow = TrainTiny("narrow", "--init-from", wide, "--steps", "1");
        AssertOneCleanError(Hyena("generate", "--checkpoint", narrow, "--prompt", "0 4 1 5 =>", "--tokens", "40", "--temperature", "50", "--device", "cpu"),
            "which its task's 8 tokens (. 0 1 2 3 4 5 =>) do not include: the model's vocabulary of 16 is larger than its task's");
        AssertOneCleanError(Hyena("inspect", "--checkpoint", narrow, "--matrix", Path.Combine(dir, "m.csv"), "--input", " "), "--input must have 1 to 12 tokens");
        AssertOneCleanError(Hyena("inspect", "--checkpoint", narrow, "--matrix", Path.Combine(dir, "m.csv"), "--input", string.Join(' ', Enumerable.Repeat("0 4", 7))),
            "--input must have 1 to 12 tokens (the model's l_max is 12), got 14");
        Assert.False(File.Exists(Path.Combine(dir, "m.csv")));
    }

    [Fact]
    public void ACorruptTrainingStateIsACheckpointErrorNamingTheFile()
    {
        string ckpt = TrainTiny("s", "--steps", "1");
        var (tensors, metadata) = SafeTensors.Read(ckpt);
        string bad = Path.Combine(dir, "bad-state.safetensors");
        var copies = tensors.Select(t => (t.Name, Tensor.FromArray(t.Data, t.Shape, Device.Cpu))).ToList();
        try
        {
            SafeTensors.Write(bad, copies, new Dictionary<string, string>(metadata) { [Trainer.StateKey] = "{\"Step\": 1, oops" });
        }
        finally
        {
            foreach (var (_, t) in copies) t.Dispose();
        }
        AssertOneCleanError(Hyena("eval", "--checkpoint", bad, "--device", "cpu"), $"checkpoint {bad}: its training state is not valid JSON (corrupt)");
        AssertOneCleanError(Hyena("generate", "--checkpoint", bad, "--prompt", "0", "--device", "cpu"), "its training state is not valid JSON");
        string run = Path.Combine(dir, "bad-run");
        Directory.CreateDirectory(run);
        File.Copy(bad, Path.Combine(run, "checkpoint.safetensors"));
        AssertOneCleanError(Hyena("train", "--resume", run, "--device", "cpu"), "its training state is not valid JSON");
    }
}
