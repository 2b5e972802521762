using HyenaIL.Autograd;
using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

/// <summary>
/// Checks that an op's backward on the device under test matches the <c>cpu</c> backward: the same float32
/// inputs, the same random output weights, every input gradient compared. (The <c>cpu</c> backward itself is
/// checked against finite differences in float64 by the gradient-check tests.)
/// </summary>
public abstract class DeviceBackwardTestBase(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    /// <summary>
    /// The forward and every input gradient on the device under test against the cpu, within the elementwise bounds
    /// of the forward tests (<see cref="Tolerance.Rtol"/>, <see cref="Tolerance.Atol"/>). Both sides run the same
    /// float32 ops on the same float32 inputs, so they differ only by rounding: a few ulps (2^-23 ≈ 1.2e-7 each) for
    /// elementwise ops, gathers and scatters, and short sums in another order; ilgpu-cpu measured at most 2.4e-7 of
    /// max|x| and 1.3e-5 relative on the smallest elements (1e-6 absolute covers those). An op that sums many terms
    /// passes its own atol, <see cref="Tolerance.SumAtol"/> of its longest sum.
    /// </summary>
    /// <param name="f">The function under test.</param>
    /// <param name="inputs">Host data per input: float64 arrays (uploaded as float32, differentiated) or int arrays.</param>
    /// <param name="shapes">Shape of each input.</param>
    protected void AssertBackwardMatchesCpu(string what, Func<Var[], Var> f, object[] inputs, int[][] shapes,
        double rtol = Tolerance.Rtol, double atol = Tolerance.Atol)
    {
        var (cpuOut, cpuGrads) = Run(Cpu, f, inputs, shapes);
        var (devOut, devGrads) = Run(Device, f, inputs, shapes);
        Tolerance.AssertClose(cpuOut, devOut, $"{what}: forward on {DeviceName} vs cpu", rtol, atol);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (cpuGrads[i] is null) continue;
            Tolerance.AssertClose(cpuGrads[i]!, devGrads[i]!, $"{what}: gradient of input {i} on {DeviceName} vs cpu", rtol, atol);
        }
    }

    private static (float[] Out, float[]?[] Grads) Run(Device device, Func<Var[], Var> f, object[] inputs, int[][] shapes)
    {
        var tensors = inputs.Select((x, i) => x switch
        {
            double[] d => Tensor.FromArray(RandomData.ToFloat(d), new Shape(shapes[i]), device),
            int[] n => Tensor.FromArray(n, new Shape(shapes[i]), device),
            _ => throw new ArgumentException("inputs are double[] or int[]"),
        }).ToArray();
        try
        {
            using var graph = new Graph();
            var vars = tensors.Select(t => graph.Input(t, requiresGrad: t.DType == DType.Float32)).ToArray();
            var y = f(vars);
            var w = RandomData.ToFloat(RandomData.Uniform(99, y.Shape.Size, -1, 1));
            using var seed = Tensor.FromArray(w, y.Shape, device);
            var output = y.Value.ToFloatArray();
            graph.Backward(y, seed);
            return (output, vars.Select(v => v.RequiresGrad ? (v.Grad?.ToFloatArray() ?? new float[v.Shape.Size]) : null).ToArray());
        }
        finally
        {
            foreach (var t in tensors) t.Dispose();
        }
    }
}

/// <summary>Float64 gradient checks on the cpu device.</summary>
public static class Grad
{
    public static Tensor Data(int seed, params int[] shape) =>
        Tensor.FromArray(RandomData.Uniform(seed, RandomData.Product(shape)), new Shape(shape), Device.Cpu);

    public static Tensor Positive(int seed, params int[] shape) =>
        Tensor.FromArray(RandomData.Uniform(seed, RandomData.Product(shape), 0.5, 2.0), new Shape(shape), Device.Cpu);

    public static Tensor Ints(int seed, int max, params int[] shape) =>
        Tensor.FromArray(RandomData.Ints(seed, RandomData.Product(shape), max), new Shape(shape), Device.Cpu);

    /// <summary>Runs the gradient check and fails the test with the worst element if it does not pass.</summary>
    public static void Check(Func<Var[], Var> f, params Tensor[] inputs)
    {
        try
        {
            var report = GradCheck.Run(f, inputs);
            Assert.True(report.Passed, report.Detail);
        }
        finally
        {
            foreach (var t in inputs) t.Dispose();
        }
    }
}
