using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>
/// A two-layer perceptron (2 → 32 → 1, tanh) trained with plain SGD on y = sin(2·x₁)·cos(x₂) over [−1, 1]²,
/// built from the autograd's ops alone. Its mean squared error starts near the target's variance (≈ 0.2) and must
/// fall below 0.01 within 300 steps (on the cpu device it gets there near step 130), on every device.
/// </summary>
public abstract class MlpTrainingTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    [Fact]
    public void AnMlpLearnsAFixedNonlinearTargetWithPlainSgd()
    {
        const int n = 64, hidden = 32;
        var x = RandomData.AsFloat32(RandomData.Uniform(1, n * 2));
        var y = Enumerable.Range(0, n).Select(i => Math.Sin(2 * x[2 * i]) * Math.Cos(x[2 * i + 1])).ToArray();
        using var tx = Upload(x, n, 2);
        using var ty = Upload(y, n, 1);
        var w1 = new Var(Ops.RandomNormal(Shape.Of(2, hidden), Device, 11, 0, 1f), true);
        var b1 = new Var(Tensor.Zeros(Shape.Of(hidden), Device), true);
        var w2 = new Var(Ops.RandomNormal(Shape.Of(hidden, 1), Device, 12, 0, 0.3f), true);
        var b2 = new Var(Tensor.Zeros(Shape.Of(1), Device), true);
        var parameters = new[] { w1, b1, w2, b2 };
        var momentum = parameters.Select(p => Tensor.ZerosLike(p.Value)).ToArray();
        double Step(bool update)
        {
            using var g = new Graph();
            var h = Fn.Tanh(Fn.Add(Fn.Matmul(g.Input(tx), w1), b1));
            var err = Fn.Sub(Fn.Add(Fn.Matmul(h, w2), b2), g.Input(ty));
            var loss = Fn.Mean(Fn.Square(err));
            double value = loss.Value.Item();
            if (update)
            {
                g.Backward(loss);
                for (int i = 0; i < parameters.Length; i++)
                {
                    Ops.SgdStep(parameters[i].Value, parameters[i].Grad!, momentum[i], 0.1f);
                    parameters[i].ZeroGrad();
                }
            }
            return value;
        }
        try
        {
            double first = Step(false);
            Assert.True(first > 0.1, $"initial loss {first} should be near the target's variance");
            for (int i = 0; i < 300; i++) Step(true);
            double last = Step(false);
            Assert.True(last < 0.01, $"loss fell from {first:F4} only to {last:F4}; expected below 0.01");
        }
        finally
        {
            foreach (var p in parameters) { p.ZeroGrad(); p.Value.Dispose(); }
            foreach (var m in momentum) m.Dispose();
        }
    }
}

public sealed class MlpTrainingTestsCpu(DeviceFixture f) : MlpTrainingTests(f, "cpu");

public sealed class MlpTrainingTestsIlgpuCpu(DeviceFixture f) : MlpTrainingTests(f, "ilgpu-cpu");

public sealed class MlpTrainingTestsCuda(DeviceFixture f) : MlpTrainingTests(f, "cuda");
