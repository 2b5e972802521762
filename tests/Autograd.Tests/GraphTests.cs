using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public abstract class GraphTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    private Var Leaf(Graph g, double[] x, params int[] shape) => g.Input(Upload(x, shape), requiresGrad: true);

    [Fact]
    public void BackwardOnANonScalarWithoutAnOutputGradientIsRefused()
    {
        using var x = Upload([1.0, 2.0, 3.0], 3);
        using var g = new Graph();
        var y = Fn.Exp(g.Input(x, requiresGrad: true));
        var e = Assert.Throws<ShapeException>(() => g.Backward(y));
        Assert.Contains("(3,)", e.Message);
        Assert.Contains("scalar", e.Message);
    }

    [Fact]
    public void ASecondBackwardThroughAFreedGraphIsRefused()
    {
        using var x = Upload([0.5], 1);
        using var g = new Graph();
        var y = Fn.Exp(Fn.Sin(g.Input(x, requiresGrad: true)));
        g.Backward(y);
        var e = Assert.Throws<InvalidOperationException>(() => g.Backward(y));
        Assert.Contains("already backpropagated", e.Message);
    }

    [Fact]
    public void RetainGraphAllowsASecondBackwardThatAccumulates()
    {
        using var x = Upload([0.5], 1);
        using var g = new Graph();
        var xv = g.Input(x, requiresGrad: true);
        var y = Fn.Exp(Fn.Sin(xv));
        g.Backward(y, null, retainGraph: true);
        double once = xv.Grad!.Item();
        g.Backward(y);
        Assert.Equal(2 * once, xv.Grad!.Item(), 6);
        Assert.Equal(Math.Exp(Math.Sin(0.5)) * Math.Cos(0.5), once, 5);
    }

    [Fact]
    public void AValueUsedTwiceGetsTheSumOfBothPaths()
    {
        // y = x·x + x  →  dy/dx = 2x + 1
        double[] data = [-1.5, 0.25, 3];
        using var g = new Graph();
        var x = Leaf(g, data, 3);
        var y = Fn.Add(Fn.Mul(x, x), x);
        using var ones = Tensor.Full(Shape.Of(3), 1.0, Device);
        g.Backward(y, ones);
        Tolerance.AssertClose(data.Select(v => 2 * v + 1).ToArray(), x.Grad!.ToFloatArray(), "d(x² + x)/dx");
    }

    [Fact]
    public void LeafGradientsAccumulateAcrossPassesUntilZeroGrad()
    {
        using var w = Upload([2.0], 1);
        var leaf = new Var(w, requiresGrad: true);
        for (int pass = 1; pass <= 3; pass++)
        {
            using var g = new Graph();
            using var xt = Upload([3.0], 1);
            g.Backward(Fn.Mul(leaf, g.Input(xt)));
            Assert.Equal(3.0 * pass, leaf.Grad!.Item(), 6);
        }
        leaf.ZeroGrad();
        Assert.Null(leaf.Grad);
        Assert.False(w.IsDisposed);
    }

    [Fact]
    public void BackwardFreesIntermediatesButKeepsTheRootAndRetainedValues()
    {
        using var x = Upload([0.1, 0.2], 2);
        using var g = new Graph();
        var a = Fn.Sin(g.Input(x, requiresGrad: true));
        var b = Fn.Exp(a);
        var kept = Fn.Tanh(b);
        g.Retain(kept);
        var root = Fn.Mul(kept, kept);
        using var seed = Tensor.Full(Shape.Of(2), 1.0, Device);
        g.Backward(root, seed);
        var e = Assert.Throws<InvalidOperationException>(() => a.Value);
        Assert.Contains("freed by Backward", e.Message);
        Assert.Equal(2, kept.Value.Size);
        Assert.Equal(2, root.Value.Size);
        Assert.False(x.IsDisposed);
    }

    [Fact]
    public void ANoGradGraphRecordsNothingAndRefusesBackward()
    {
        using var x = Upload([0.3], 1);
        using var g = new Graph(recordGradients: false);
        var xv = g.Input(x, requiresGrad: true);
        var y = Fn.Exp(xv);
        Assert.False(y.RequiresGrad);
        Assert.Equal(Math.Exp((float)0.3), y.Value.Item(), 5);
        Assert.Throws<InvalidOperationException>(() => g.Backward(y));
    }

    [Fact]
    public void DetachStopsTheGradientButKeepsTheValue()
    {
        // y = x·stop(x) + x  →  dy/dx = stop(x) + 1 (the detached factor counts as a constant)
        double[] data = [-1.5, 0.25, 3];
        using var g = new Graph();
        var x = Leaf(g, data, 3);
        var stopped = x.Detach();
        Assert.False(stopped.RequiresGrad);
        Tolerance.AssertClose(RandomData.AsFloat32(data), stopped.Value.ToFloatArray().Select(v => (double)v).ToArray(), "detached value");
        var y = Fn.Add(Fn.Mul(x, stopped), x);
        using var ones = Tensor.Full(Shape.Of(3), 1.0, Device);
        g.Backward(y, ones);
        Tolerance.AssertClose(data.Select(v => v + 1).ToArray(), x.Grad!.ToFloatArray(), "d(x·stop(x) + x)/dx");
    }

    [Fact]
    public void ARetainedDetachedValueOutlivesTheBackwardThatFreesItsSource()
    {
        using var x = Upload([0.1, 0.2], 2);
        using var g = new Graph();
        var a = Fn.Exp(g.Input(x, requiresGrad: true));
        var kept = a.Detach();
        g.Retain(kept);
        using var seed = Tensor.Full(Shape.Of(2), 1.0, Device);
        g.Backward(Fn.Sin(a), seed);
        Assert.Throws<InvalidOperationException>(() => a.Value);
        Tolerance.AssertClose([Math.Exp((float)0.1), Math.Exp((float)0.2)], kept.Value.ToFloatArray(), "detached exp");
    }

    [Fact]
    public void ALeafDetachesToALeafSharingItsTensor()
    {
        using var w = Upload([2.0], 1);
        var leaf = new Var(w, requiresGrad: true);
        var d = leaf.Detach();
        Assert.True(d.IsLeaf);
        Assert.False(d.RequiresGrad);
        Assert.Same(w, d.Value);
    }

    [Fact]
    public void ANoGradScopeInsideARecordingGraphRecordsNothingAndNests()
    {
        // y = x·c + x with c = exp(x) computed under NoGrad  →  dy/dx = exp(x) + 1
        double[] data = [0.5, -0.25];
        using var g = new Graph();
        var x = Leaf(g, data, 2);
        Var c;
        using (g.NoGrad())
        {
            Assert.False(g.IsRecording);
            using (g.NoGrad()) Assert.False(Fn.Sin(x).RequiresGrad);
            Assert.False(g.IsRecording);
            c = Fn.Exp(x);
            Assert.False(c.RequiresGrad);
            var e = Assert.Throws<InvalidOperationException>(() => g.Backward(Fn.Sum(x)));
            Assert.Contains("NoGrad", e.Message);
        }
        Assert.True(g.IsRecording);
        var y = Fn.Add(Fn.Mul(x, c), x);
        Assert.True(y.RequiresGrad);
        using var ones = Tensor.Full(Shape.Of(2), 1.0, Device);
        g.Backward(y, ones);
        Tolerance.AssertClose(data.Select(v => Math.Exp((float)v) + 1).ToArray(), x.Grad!.ToFloatArray(), "d(x·nograd(exp x) + x)/dx");
    }

    [Fact]
    public void ValuesFromTwoGraphsCannotMeet()
    {
        using var x = Upload([1.0], 1);
        using var g1 = new Graph();
        using var g2 = new Graph();
        var e = Assert.Throws<InvalidOperationException>(() => Fn.Add(g1.Input(x), g2.Input(x)));
        Assert.Contains("two different graphs", e.Message);
    }

    [Fact]
    public void LiveBuffersStayFlatOver1000ForwardBackwardIterations()
    {
        var data = RandomData.AsFloat32(RandomData.Uniform(5, 24));
        using var wt = Upload(data, 4, 6);
        var w = new Var(wt, requiresGrad: true);
        void Step()
        {
            using var xt = Upload(RandomData.Uniform(6, 24), 4, 6);
            using var g = new Graph();
            var x = g.Input(xt);
            var h = Fn.Tanh(Fn.Add(Fn.Mul(x, w), w));
            var y = Fn.Div(Fn.Gelu(h), Fn.Affine(Fn.Square(h), 1f, 1f));
            using var seed = Tensor.Full(y.Shape, 1.0, Device);
            g.Backward(y, seed);
            Assert.NotNull(w.Grad);
            w.ZeroGrad();
        }
        int before = Device.LiveBuffers;
        for (int i = 0; i < 1000; i++)
        {
            Step();
            Assert.Equal(before, Device.LiveBuffers);
        }
    }

    [Fact]
    public void LiveBuffersStayFlatOver1000StepsOfAModelShapedChain()
    {
        // Embedding → layer norm → matmul with broadcast bias → causal softmax → cross-entropy, backward into every
        // parameter: the row-wise and matrix ops keep saved statistics and make broadcasting reductions in backward.
        const int V = 5, D = 4, L = 3;
        using var et = Upload(RandomData.AsFloat32(RandomData.Normal(11, V * D)), V, D);
        using var wt = Upload(RandomData.AsFloat32(RandomData.Normal(12, D * V)), D, V);
        using var bt = Upload(RandomData.AsFloat32(RandomData.Normal(13, V)), V);
        using var gammaT = Tensor.Full(Shape.Of(D), 1.0, Device);
        using var betaT = Tensor.Full(Shape.Of(D), 0.0, Device);
        Var[] parameters = [new(et, true), new(wt, true), new(bt, true), new(gammaT, true), new(betaT, true)];
        using var ids = Upload([1, 4, 0, 2, 2, 3], 2, L);
        using var targets = Upload([4, 0, -100, 2, 3, 1], 2 * L);
        void Step()
        {
            using var g = new Graph();
            var h = Fn.LayerNorm(Fn.Embedding(parameters[0], g.Input(ids)), parameters[3], parameters[4]); // (2, L, D)
            var logits = Fn.Add(Fn.Matmul(Fn.Reshape(h, 2 * L, D), parameters[1]), parameters[2]);      // (2L, V)
            var mixed = Fn.Softmax(Fn.Reshape(logits, 2, L, V), causal: false);
            var loss = Fn.Add(Fn.CrossEntropy(logits, g.Input(targets)), Fn.Mean(mixed));
            g.Backward(loss);
            foreach (var p in parameters)
            {
                Assert.NotNull(p.Grad);
                p.ZeroGrad();
            }
        }
        Step(); // the pool's first allocations
        int before = Device.LiveBuffers;
        for (int i = 0; i < 1000; i++)
        {
            Step();
            Assert.Equal(before, Device.LiveBuffers);
        }
    }
}

public sealed class GraphTestsCpu(DeviceFixture f) : GraphTests(f, "cpu");

public sealed class GraphTestsIlgpuCpu(DeviceFixture f) : GraphTests(f, "ilgpu-cpu");

public sealed class GraphTestsCuda(DeviceFixture f) : GraphTests(f, "cuda");

public sealed class MixedDeviceTests(DeviceFixture fixture)
{
    [Fact]
    public void AnOpOnValuesFromDifferentDevicesNamesBothDevices()
    {
        var gpu = fixture.Get("ilgpu-cpu");
        using var a = Tensor.FromArray(new float[] { 1, 2 }, Shape.Of(2), gpu);
        using var b = Tensor.FromArray(new float[] { 1, 2 }, Shape.Of(2), Device.Cpu);
        using var g = new Graph();
        var e = Assert.Throws<DeviceMismatchException>(() => Fn.Mul(g.Input(a, true), g.Input(b, true)));
        Assert.Contains("Mul", e.Message);
        Assert.Contains("ilgpu-cpu", e.Message);
        Assert.Matches(@"(?<!ilgpu-)\bcpu\b", e.Message); // the cpu device named on its own, not only inside "ilgpu-cpu"
    }
}
