using HyenaIL.Layers;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>
/// The optimizers at the class level: which parameters each group holds, the rate and weight decay each group
/// gets, shared and frozen parameters, SGD's momentum, the schedule and clipping. Every expected value is computed
/// here in float64 from the same float32-rounded inputs (the element-wise update rules themselves are tested
/// against a reference in Tensor.Tests' OptimizerStepTests).
/// </summary>
public abstract class OptimizerTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    private const string Filter = "backbone.layers.0.mixer.filter_fn.";

    /// <summary>One layer, D = 4, F = 4, E = 3, l_max = 8: every parameter kind, a few hundred elements.</summary>
    private static ModelConfig Tiny(bool trainPositional) => new()
    {
        Vocab = 7, Width = 4, Layers = 1, InnerWidth = 8, MaxLength = 8, PositionalDims = 3, FilterWidth = 4,
        TrainPositional = trainPositional, EmbedDropout = 0,
    };

    /// <summary>The group a parameter belongs to by the reference's rule (§2.4), decided from its name alone, so a
    /// parameter tagged with the wrong group fails the test: everything in the filter MLP (the Sin frequency
    /// included) is the filter group; z is positional; the rest, the filter's D (<c>filter_fn.bias</c>) too, is main.</summary>
    private static ParameterGroup ExpectedGroup(string name) =>
        name.Contains(".implicit_filter.", StringComparison.Ordinal) ? ParameterGroup.Filter
        : name.EndsWith(".pos_emb.z", StringComparison.Ordinal) ? ParameterGroup.Positional
        : ParameterGroup.Default;

    /// <summary>Gives every parameter known values in [−1, 1] (so weight decay moves each one visibly) and returns them.</summary>
    private Dictionary<string, double[]> SetValues(Module model, int seed)
    {
        var values = new Dictionary<string, double[]>();
        int i = 0;
        foreach (var (name, p) in model.NamedParameters())
        {
            var x = RandomData.AsFloat32(RandomData.Uniform(seed + i++, p.Value.Size));
            using var t = Upload(x, p.Value.Shape.ToArray());
            p.Value.CopyFrom(t);
            values[name] = x;
        }
        return values;
    }

    /// <summary>Replaces every trained parameter's gradient with known values (standard normal) and returns them.</summary>
    private Dictionary<string, double[]> SetGradients(Module model, int seed)
    {
        var grads = new Dictionary<string, double[]>();
        int i = 0;
        foreach (var (name, p) in model.NamedParameters())
        {
            var g = RandomData.AsFloat32(RandomData.Normal(seed + i++, p.Value.Size));
            p.ZeroGrad();
            p.AddGrad(Upload(g, p.Value.Shape.ToArray()));
            grads[name] = g;
        }
        return grads;
    }

    /// <summary>AdamW as torch.optim.AdamW, in float64, over <paramref name="grads"/>.Length steps from zero moments:
    /// g ← s·g; m ← β1 m + (1−β1) g; v ← β2 v + (1−β2) g²; p ← p(1 − lr·wd) − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + eps).</summary>
    private static double[] AdamWReference(double[] p0, double[][] grads, double lr, double wd, OptimizerSettings s,
        double[] rateFactors, double[] gradScales)
    {
        var p = (double[])p0.Clone();
        var m = new double[p.Length];
        var v = new double[p.Length];
        for (int t = 1; t <= grads.Length; t++)
        {
            double rate = lr * rateFactors[t - 1];
            for (int i = 0; i < p.Length; i++)
            {
                double g = gradScales[t - 1] * grads[t - 1][i];
                m[i] = s.Beta1 * m[i] + (1 - s.Beta1) * g;
                v[i] = s.Beta2 * v[i] + (1 - s.Beta2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(s.Beta1, t)), vHat = v[i] / (1 - Math.Pow(s.Beta2, t));
                p[i] = p[i] * (1 - rate * wd) - rate * mHat / (Math.Sqrt(vHat) + s.Eps);
            }
        }
        return p;
    }

    private static double[] Delta(double[] after, double[] before) => after.Select((a, i) => a - before[i]).ToArray();

    /// <summary>The moves (about lr ≈ 1e-3 … 5e-3 per step) are compared, not the values, so the tolerance is measured
    /// against the update itself: float32 rounding of p ≈ 1 costs 6e-8 per operation, a few per step, hence 5e-7; a
    /// wrong group (another rate, or weight decay 0.5 instead of 0 on p ≈ 1: ≥ 1e-3·|p|) misses by far more.</summary>
    private static void AssertMoved(double[] expectedAfter, double[] before, float[] after, string what) =>
        Tolerance.AssertClose(Delta(expectedAfter, before), Delta(RandomData.ToDouble(after), before), what, rtol: 1e-4, atol: 5e-7);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    public void EachGroupMovesByTheClosedFormAdamWUpdateWithItsOwnRateAndWeightDecay(double filterWeightDecay)
    {
        var settings = new OptimizerSettings
        {
            LearningRate = 1e-2, WeightDecay = 0.5, FilterLearningRate = 4e-3, FilterWeightDecay = filterWeightDecay,
            PositionalLearningRate = 2e-3, Beta1 = 0.9, Beta2 = 0.98, Eps = 1e-8,
        };
        using var model = new LanguageModel(Tiny(trainPositional: true), Device, 1);
        var named = model.NamedParameters();
        Assert.All(named, e => Assert.Equal(ExpectedGroup(e.Name), e.Parameter.Group));
        Assert.Contains(named, e => e.Parameter.Group == ParameterGroup.Positional);
        using var opt = new AdamW(model, settings);
        Assert.Equal(named.Select(e => e.Name), opt.Parameters.Select(e => e.Name));

        var before = SetValues(model, 10);
        double[] factors = [0.5, 1.0], scales = [0.8, 1.0];
        var g1 = SetGradients(model, 100);
        opt.Step(factors[0], (float)scales[0]);
        var g2 = SetGradients(model, 200);
        opt.Step(factors[1], (float)scales[1]);

        Assert.Equal(2, opt.StepCount);
        foreach (var (name, p) in named)
        {
            var (lr, wd) = ExpectedGroup(name) switch
            {
                ParameterGroup.Filter => (4e-3, filterWeightDecay),
                ParameterGroup.Positional => (2e-3, 0.0),
                _ => (1e-2, 0.5),
            };
            var expected = AdamWReference(before[name], [g1[name], g2[name]], lr, wd, settings, factors, scales);
            AssertMoved(expected, before[name], p.Value.ToFloatArray(), $"{name} after two steps");
        }
    }

    [Fact]
    public void TheSinFrequencySharedUnderThreeNamesIsUpdatedOnce()
    {
        var settings = new OptimizerSettings { LearningRate = 1e-2, WeightDecay = 0.5, FilterLearningRate = 3e-3 };
        using var model = new LanguageModel(Tiny(trainPositional: false), Device, 1);
        var names = model.StateEntries().Select(e => e.Name).Where(n => n.EndsWith(".freq", StringComparison.Ordinal)).ToList();
        Assert.Equal(new[] { Filter + "implicit_filter.1.freq", Filter + "implicit_filter.3.freq", Filter + "implicit_filter.5.freq" }, names);
        var freq = model.NamedParameters().Single(e => e.Name == names[0]).Parameter;
        // The model lists it once; a caller listing it under all three names must not triple its step either.
        var listed = model.NamedParameters().Concat([(names[1], freq), (names[2], freq)]);
        using var opt = new AdamW(listed, settings);
        Assert.Single(opt.Parameters, e => ReferenceEquals(e.Parameter, freq));

        var before = SetValues(model, 30);
        var grads = SetGradients(model, 300);
        opt.Step(1.0);
        var expected = AdamWReference(before[names[0]], [grads[names[0]]], 3e-3, 0, settings, [1.0], [1.0]);
        AssertMoved(expected, before[names[0]], freq.Value.ToFloatArray(), "the shared Sin frequency after one step");
    }

    [Fact]
    public void FrozenPositionalFeaturesBuffersAndFrozenParametersDoNotMove()
    {
        var settings = new OptimizerSettings { LearningRate = 1e-2, WeightDecay = 0.5, PositionalLearningRate = 0 };
        using var model = new LanguageModel(Tiny(trainPositional: false), Device, 1);
        var frozen = new Parameter(Upload(RandomData.Uniform(5, 6), 6), Init.Zeros, ParameterGroup.Default, trainable: false);
        using var opt = new AdamW(model.NamedParameters().Append(("frozen", frozen)), settings);
        Assert.DoesNotContain(opt.Parameters, e => e.Name == "frozen" || e.Name.EndsWith(".pos_emb.z", StringComparison.Ordinal));
        var buffers = model.StateEntries().Where(e => !model.NamedParameters().Any(p => ReferenceEquals(p.Parameter.Value, e.Tensor)))
            .ToDictionary(e => e.Name, e => e.Tensor);
        Assert.Contains(Filter + "pos_emb.z", buffers.Keys);
        Assert.Contains(Filter + "modulation.deltas", buffers.Keys);
        var buffersBefore = buffers.ToDictionary(e => e.Key, e => e.Value.ToFloatArray());
        var frozenBefore = frozen.Value.ToFloatArray();

        SetValues(model, 40);
        SetGradients(model, 400);
        frozen.AddGrad(Upload(RandomData.Normal(6, 6), 6)); // dropped: a frozen parameter keeps no gradient
        opt.Step(1.0);

        foreach (var (name, t) in buffers) Assert.Equal(buffersBefore[name], t.ToFloatArray());
        Assert.Equal(frozenBefore, frozen.Value.ToFloatArray());
        Assert.Null(frozen.Grad);
        frozen.Value.Dispose();
    }

    [Fact]
    public void APositionalRateThatDisagreesWithTheModelIsRefused()
    {
        string z = Filter + "pos_emb.z";
        using var trained = new LanguageModel(Tiny(trainPositional: true), Device, 1);
        using var frozen = new LanguageModel(Tiny(trainPositional: false), Device, 1);
        var zero = new OptimizerSettings { PositionalLearningRate = 0 };
        var some = new OptimizerSettings { PositionalLearningRate = 1e-5 };

        var e1 = Assert.Throws<ArgumentException>(() => new AdamW(trained, zero));
        Assert.Contains("PositionalLearningRate is 0", e1.Message);
        Assert.Contains(z, e1.Message);
        Assert.Contains("TrainPositional = false", e1.Message);
        Assert.Contains(z, Assert.Throws<ArgumentException>(() => new Sgd(trained.NamedParameters(), zero)).Message);
        var e2 = Assert.Throws<ArgumentException>(() => new Sgd(frozen, some));
        Assert.Contains("PositionalLearningRate is 1E-05", e2.Message);
        Assert.Contains($"{z} is frozen", e2.Message);

        // Agreement: an unset rate follows the model; 0 with frozen z; a rate with trained z (its own group, wd 0).
        using (var a = new AdamW(frozen, zero)) Assert.DoesNotContain(a.Parameters, e => e.Name == z);
        using (var a = new AdamW(frozen, new OptimizerSettings())) Assert.DoesNotContain(a.Parameters, e => e.Name == z);
        using (var a = new AdamW(trained, some)) Assert.Contains(a.Parameters, e => e.Name == z);
        using (var a = new AdamW(trained, new OptimizerSettings())) Assert.Contains(a.Parameters, e => e.Name == z);
        Assert.Equal((1e-5, 0.0), some.For(ParameterGroup.Positional));
        Assert.Equal(trained.ParameterCount() - 8 * 3, frozen.ParameterCount()); // z is (1, l_max = 8, E = 3)
    }

    [Fact]
    public void SgdWithMomentumFollowsTorchOverThreeSteps()
    {
        // torch.optim.SGD (no dampening, not Nesterov): g ← s·g + wd·p; b ← μb + g (b₁ = g₁); p ← p − lr·b.
        var settings = new OptimizerSettings { LearningRate = 0.1, WeightDecay = 0.01, FilterLearningRate = 0.05, Momentum = 0.9 };
        var p0 = new[] { RandomData.AsFloat32(RandomData.Uniform(1, 5)), RandomData.AsFloat32(RandomData.Uniform(2, 3)) };
        var main = new Parameter(Upload(p0[0], 5), Init.Zeros);
        var filter = new Parameter(Upload(p0[1], 3), Init.Zeros, ParameterGroup.Filter);
        using var opt = new Sgd([("main", main), ("filter", filter)], settings);
        double[] factors = [1.0, 0.5, 0.25], scales = [1.0, 0.5, 1.0];
        var p = p0.Select(x => (double[])x.Clone()).ToArray();
        var b = p0.Select(x => new double[x.Length]).ToArray();
        (double Lr, double Wd)[] groups = [(0.1, 0.01), (0.05, 0.0)];
        Parameter[] parameters = [main, filter];
        for (int step = 0; step < 3; step++)
        {
            for (int k = 0; k < 2; k++)
            {
                // The filter parameter gets no gradient at the second step: it is skipped, its buffer kept.
                parameters[k].ZeroGrad();
                if (k == 1 && step == 1) continue;
                var g = RandomData.AsFloat32(RandomData.Normal(10 * step + k, p[k].Length));
                parameters[k].AddGrad(Upload(g, g.Length));
                for (int i = 0; i < p[k].Length; i++)
                {
                    b[k][i] = settings.Momentum * b[k][i] + scales[step] * g[i] + groups[k].Wd * p[k][i];
                    p[k][i] -= groups[k].Lr * factors[step] * b[k][i];
                }
            }
            opt.Step(factors[step], (float)scales[step]);
            for (int k = 0; k < 2; k++)
            {
                // p moves by about lr·|b| ≈ 0.05 per step; float32 rounding of p ≈ 1 is ~1e-7 per operation.
                Tolerance.AssertClose(p[k], parameters[k].Value.ToFloatArray(), $"parameter {k} after step {step + 1}", rtol: 1e-6, atol: 1e-6);
                Tolerance.AssertClose(b[k], opt.State()[k].Tensor.ToFloatArray(), $"momentum buffer {k} after step {step + 1}", rtol: 1e-6, atol: 1e-6);
            }
        }
        Assert.Equal(3, opt.StepCount);
        Assert.Equal(new[] { "optimizer.main.momentum_buffer", "optimizer.filter.momentum_buffer" }, opt.State().Select(s => s.Name));
        foreach (var q in parameters) Release(q);
    }

    [Fact]
    public void ClippingUsesTheGlobalNormOverEveryGradientAndOnlyThose()
    {
        // ‖(1, −2, 2)‖² = 9 and ‖(2, 4)‖² = 20: the global norm is √29; the parameter without a gradient adds nothing.
        var a = new Parameter(Upload(new double[] { 0, 0, 0 }, 3), Init.Zeros);
        var b = new Parameter(Upload(new double[] { 0, 0 }, 1, 2), Init.Zeros);
        var none = new Parameter(Upload(new double[] { 7, 7 }, 2), Init.Zeros);
        a.AddGrad(Upload(new double[] { 1, -2, 2 }, 3));
        b.AddGrad(Upload(new double[] { 2, 4 }, 1, 2));
        double norm = GradientClipping.GlobalNorm([a, b, none]);
        Assert.Equal(Math.Sqrt(29), norm, 6);
        float scale = GradientClipping.Scale(norm, 2.0);
        Assert.Equal(2 / (Math.Sqrt(29) + 1e-6), scale, 6);
        Assert.Equal(1f, GradientClipping.Scale(norm, 6.0));
        Assert.Equal(1f, GradientClipping.Scale(norm, 0.0));

        // Applied through plain SGD (lr 1, no momentum, no decay), the step has exactly the clipped norm.
        var settings = new OptimizerSettings { LearningRate = 1, WeightDecay = 0, Momentum = 0 };
        using var opt = new Sgd([("a", a), ("b", b), ("none", none)], settings);
        opt.Step(1.0, scale);
        var moved = a.Value.ToFloatArray().Concat(b.Value.ToFloatArray()).Select(v => (double)v).ToArray();
        Assert.Equal(2.0, Math.Sqrt(moved.Sum(v => v * v)), 5);
        Tolerance.AssertClose(new[] { -1, 2, -2, -2, -4 }.Select(v => v * 2 / Math.Sqrt(29)).ToArray(), moved, "clipped step");
        Assert.Equal(new[] { 7f, 7f }, none.Value.ToFloatArray());
        foreach (var q in new[] { a, b, none }) Release(q);
    }

    /// <summary>Frees a parameter made outside a module (a module frees its own).</summary>
    private static void Release(Parameter p)
    {
        p.ZeroGrad();
        p.Value.Dispose();
    }
}

/// <summary>The schedule is host arithmetic; its values by hand for warm-up 4, total 12, floor 0.1.</summary>
public sealed class ScheduleTests
{
    [Fact]
    public void WarmUpIsLinearThenTheCosineReachesTheFloorAtTheLastStep()
    {
        var s = new WarmupCosine(4, 12, 0.1);
        Assert.Equal(0.25, s.Factor(0), 12);
        Assert.Equal(0.5, s.Factor(1), 12);
        Assert.Equal(0.75, s.Factor(2), 12);
        Assert.Equal(1.0, s.Factor(3), 12);
        Assert.Equal(1.0, s.Factor(4), 12);                    // the cosine starts at its peak, progress 0/7
        Assert.Equal(0.44986557971965857, s.Factor(8), 12);    // 0.1 + 0.45·(1 + cos(4π/7))
        Assert.Equal(0.6501344202803414, s.Factor(7), 12);    // 0.1 + 0.45·(1 + cos(3π/7))
        Assert.Equal(0.1, s.Factor(11), 12);                   // the last of 12 steps
        Assert.Equal(0.1, s.Factor(500), 12);
        var none = new WarmupCosine(0, 3, 0.0);
        Assert.Equal(1.0, none.Factor(0), 12);                 // no warm-up: the peak at once, then half-way, then 0
        Assert.Equal(0.5, none.Factor(1), 12);
        Assert.Equal(0.0, none.Factor(2), 12);
    }
}

public sealed class OptimizerTestsCpu(DeviceFixture f) : OptimizerTests(f, "cpu");

public sealed class OptimizerTestsIlgpuCpu(DeviceFixture f) : OptimizerTests(f, "ilgpu-cpu");

public sealed class OptimizerTestsCuda(DeviceFixture f) : OptimizerTests(f, "cuda");
