using HyenaIL.Autograd;
using HyenaIL.Layers;
using Xunit;

namespace HyenaIL.Tests;

public sealed class OptimizerTests
{
    [Fact]
    public void TheScheduleWarmsUpLinearlyThenDecaysByCosineToTheFloor()
    {
        var s = new WarmupCosine(10, 110, 0.1);
        Assert.Equal(0.1, s.Factor(0), 12);
        Assert.Equal(1.0, s.Factor(9), 12);
        Assert.Equal(1.0, s.Factor(10), 12);
        Assert.Equal(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * 33 / 99.0)), s.Factor(10 + 33), 12);
        Assert.Equal(0.1, s.Factor(109), 12);
        Assert.Equal(0.1, s.Factor(500), 12);
    }

    [Fact]
    public void ParameterGroupsTakeTheirOwnRatesAndFrozenParametersAreLeftAlone()
    {
        var config = new ModelConfig { Vocab = 7, Width = 4, Layers = 1, InnerWidth = 8, MaxLength = 8, PositionalDims = 3, FilterWidth = 4, TrainPositional = false, EmbedDropout = 0 };
        using var model = new LanguageModel(config, Device.Cpu, 1);
        var settings = new OptimizerSettings { LearningRate = 1e-2, WeightDecay = 0.5, FilterLearningRate = 0 };
        using var opt = new AdamW(model.NamedParameters(), settings);
        Assert.DoesNotContain(opt.Parameters, p => p.Name.EndsWith("pos_emb.z", StringComparison.Ordinal));
        var before = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.ToFloatArray());
        using var ids = Tensor.FromArray(new[] { 1, 2, 3, 4, 5, 6 }, Shape.Of(1, 6), Device.Cpu);
        using (var g = new Graph())
        {
            g.Backward(LanguageModel.Loss(model.Forward(g.Input(ids)), g.Input(ids)));
        }
        opt.Step(1.0);
        var after = model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.ToFloatArray());
        string filterWeight = "backbone.layers.0.mixer.filter_fn.implicit_filter.0.weight";
        Assert.Equal(before[filterWeight], after[filterWeight]); // filter group: rate 0, weight decay 0
        Assert.NotEqual(before["backbone.layers.0.mlp.fc1.weight"], after["backbone.layers.0.mlp.fc1.weight"]);
        Assert.Equal(1, opt.StepCount);
    }

    [Fact]
    public void ClippingScalesTheGlobalNormDownOnly()
    {
        Assert.Equal(1f, GradientClipping.Scale(0.5, 1.0));
        Assert.Equal(1f, GradientClipping.Scale(5.0, 0.0));
        Assert.Equal(0.2f, GradientClipping.Scale(5.0, 1.0), 5);
        using var g1 = Tensor.FromArray(new float[] { 3, 0 }, Shape.Of(2), Device.Cpu);
        var p = new Parameter(Tensor.Zeros(Shape.Of(2), Device.Cpu), Init.Zeros);
        p.AddGrad(g1.Clone());
        var q = new Parameter(Tensor.Zeros(Shape.Of(1), Device.Cpu), Init.Zeros);
        q.AddGrad(Tensor.Full(Shape.Of(1), 4, Device.Cpu));
        Assert.Equal(5.0, GradientClipping.GlobalNorm([p, q]), 6);
    }
}
