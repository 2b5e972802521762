using System.Text;

namespace HyenaIL.Autograd;

/// <summary>Settings of a gradient check. The defaults suit well-scaled float64 functions.</summary>
/// <param name="Step">Finite-difference step h. Central differences have truncation error ~h²·|f'''| and rounding
/// error ~eps·|L|/h; h = 1e-6 keeps both far below the tolerance.</param>
/// <param name="Rtol">Allowed relative error of each gradient element.</param>
/// <param name="Seed">Seed of the random output weights w (the check differentiates L = Σ w·f(x)).</param>
public sealed record GradCheckOptions(double Step = 1e-6, double Rtol = 1e-6, int Seed = 12345);

/// <summary>The outcome of a gradient check: the worst element, relative to what was allowed.</summary>
public sealed record GradCheckReport(bool Passed, double WorstRatio, int Checked, string Detail)
{
    /// <summary>Throws <see cref="GradCheckException"/> with the details unless the check passed.</summary>
    public void AssertPassed()
    {
        if (!Passed) throw new GradCheckException(Detail);
    }
}

public sealed class GradCheckException(string message) : Exception(message);

/// <summary>
/// Checks the backward pass of any differentiable function against central finite differences, in float64 on
/// the <c>cpu</c> device. The function's output is reduced to L = Σ w ⊙ f(x) with fixed random weights w, so every
/// output element is checked at once; then for each input element, (L(x + h) − L(x − h)) / 2h is compared with the
/// analytic gradient: |analytic − numeric| ≤ noise + rtol·max(|analytic|, |numeric|), where noise ≈ 4.5·eps·(|L| + 1)/h
/// is the rounding floor of the difference quotient.
/// </summary>
public static class GradCheck
{
    /// <summary>Runs the check. Float64 inputs are differentiated; int32 inputs (ids, targets) are passed as they are.
    /// The trained <paramref name="leaves"/> that <paramref name="f"/> uses (a layer's parameters, converted to
    /// float64) are checked as well: their gradients are compared, then cleared.</summary>
    public static GradCheckReport Run(Func<Var[], Var> f, IReadOnlyList<Tensor> inputs, IReadOnlyList<Var>? leaves = null,
        GradCheckOptions? options = null)
    {
        options ??= new GradCheckOptions();
        leaves ??= [];
        foreach (var t in inputs.Concat(leaves.Select(l => l.Value)))
        {
            Check.Live("GradCheck", t);
            if (t.Device is not CpuDevice || t.DType == DType.Float32)
                throw new ArgumentException($"GradCheck: inputs must be float64 (or int32) tensors on the cpu device, got {t}; finite differences in float32 measure noise");
        }
        foreach (var l in leaves)
        {
            if (!l.IsLeaf || !l.RequiresGrad) throw new ArgumentException($"GradCheck: {l} is not a leaf that requires a gradient");
            l.ZeroGrad();
        }

        var analytic = Analytic(f, inputs, options, out var weights, out double loss);
        var points = inputs.Concat(leaves.Select(l => l.Value)).ToList();
        analytic = [.. analytic, .. leaves.Select(l => l.Grad?.ToDoubleArray() ?? new double[l.Shape.Size])];
        foreach (var l in leaves) l.ZeroGrad();
        using (weights)
        {
            double noise = 1e-15 * (Math.Abs(loss) + 1) / options.Step;
            double worst = 0, maxNumeric = 0;
            int count = 0;
            var detail = new StringBuilder();
            for (int i = 0; i < points.Count; i++)
            {
                if (points[i].DType != DType.Float64) continue;
                var x = points[i].AsSpan<double>();
                for (int j = 0; j < x.Length; j++)
                {
                    double saved = x[j];
                    x[j] = saved + options.Step;
                    double plus = Loss(f, inputs, weights);
                    x = points[i].AsSpan<double>();
                    x[j] = saved - options.Step;
                    double minus = Loss(f, inputs, weights);
                    x = points[i].AsSpan<double>();
                    x[j] = saved;
                    double numeric = (plus - minus) / (2 * options.Step);
                    double a = analytic[i][j];
                    double allowed = noise + options.Rtol * Math.Max(Math.Abs(a), Math.Abs(numeric));
                    double ratio = Math.Abs(a - numeric) / allowed;
                    maxNumeric = Math.Max(maxNumeric, Math.Abs(numeric));
                    count++;
                    if (!(ratio <= worst)) // also catches NaN
                    {
                        worst = double.IsNaN(ratio) ? double.PositiveInfinity : ratio;
                        string where = i < inputs.Count ? $"input {i}" : $"leaf {i - inputs.Count} ({leaves[i - inputs.Count].Shape})";
                        detail.Clear().Append($"{where} element {j}: analytic {a:E6}, numeric {numeric:E6}, " +
                                              $"|diff| {Math.Abs(a - numeric):E3}, allowed {allowed:E3}");
                    }
                }
            }
            if (count == 0)
                return new GradCheckReport(false, double.PositiveInfinity, 0, "GradCheck: no float64 input to differentiate");
            if (maxNumeric <= 100 * noise)
                return new GradCheckReport(false, worst, count, $"GradCheck: every numeric gradient is below {100 * noise:E2}; the function does not depend on its inputs measurably, so the check would pass on zeros");
            bool passed = worst <= 1;
            string summary = (passed ? "passed" : "FAILED") + $": {count} gradient elements, worst at {worst:F3}× the allowance; worst {detail}";
            return new GradCheckReport(passed, worst, count, summary);
        }
    }

    private static double[][] Analytic(Func<Var[], Var> f, IReadOnlyList<Tensor> inputs, GradCheckOptions options,
        out Tensor weights, out double loss)
    {
        using var graph = new Graph();
        var vars = inputs.Select(t => graph.Input(t, requiresGrad: t.DType == DType.Float64)).ToArray();
        var y = f(vars);
        weights = Weights(y.Shape, options.Seed);
        loss = Dot(y.Value, weights);
        graph.Backward(y, weights);
        return vars.Select(v => v.Grad?.ToDoubleArray() ?? new double[v.Shape.Size]).ToArray();
    }

    private static double Loss(Func<Var[], Var> f, IReadOnlyList<Tensor> inputs, Tensor weights)
    {
        using var graph = new Graph(recordGradients: false);
        var vars = inputs.Select(t => graph.Input(t)).ToArray();
        return Dot(f(vars).Value, weights);
    }

    private static Tensor Weights(Shape shape, int seed)
    {
        var r = new Random(seed);
        var w = new double[shape.Size];
        for (int i = 0; i < w.Length; i++) w[i] = 0.5 + r.NextDouble(); // positive, order 1: no cancellation to zero
        for (int i = 0; i < w.Length; i++) if (r.Next(2) == 0) w[i] = -w[i];
        return Tensor.FromArray(w, shape, Device.Cpu);
    }

    private static double Dot(Tensor y, Tensor w)
    {
        if (y.DType != DType.Float64)
            throw new ArgumentException($"GradCheck: the function returned {y.DType.Name()}; it must compute in float64 when given float64 inputs");
        var a = y.AsSpan<double>();
        var b = w.AsSpan<double>();
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
