using HyenaIL.Training;

namespace HyenaIL.Cli;

/// <summary>Shows training progress: one line rewritten in place on a terminal; plain lines when the output is
/// redirected (a log file, CI). Evaluations always get a line of their own.</summary>
public sealed class ProgressPrinter(TextWriter output, bool redirected) : IProgress<TrainingProgress>
{
    private int lastLength;

    public void Report(TrainingProgress p)
    {
        string line = $"step {p.Step,6}/{p.TotalSteps}  loss {p.Loss:F4}  acc {p.Accuracy,7:P2}  lr {p.LearningRate:E2}  " +
                      $"|g| {p.GradNorm:F3}  {p.TokensPerSecond,9:N0} tok/s  elapsed {Format(p.Elapsed)}  eta {Format(p.Eta)}";
        if (redirected)
        {
            output.WriteLine(line);
        }
        else
        {
            output.Write("\r" + line.PadRight(lastLength));
            lastLength = line.Length;
        }
        if (p.Eval is { } e)
        {
            if (!redirected) output.WriteLine();
            output.WriteLine($"eval at step {p.Step}: held-out loss {e.Loss:F4} nats/token, accuracy {e.Accuracy:P2} over {e.Tokens:N0} tokens");
            lastLength = 0;
        }
        output.Flush();
    }

    public void Finish()
    {
        if (!redirected && lastLength > 0) output.WriteLine();
        lastLength = 0;
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
}
