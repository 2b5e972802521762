using HyenaIL.TestSupport;
using Xunit;

namespace HyenaIL.Tests;

public abstract class TensorTests(DeviceFixture fixture, string device) : DeviceTestBase(fixture, device)
{
    [Fact]
    public void DataSurvivesARoundTripThroughTheDeviceAndBetweenDevices()
    {
        var data = Enumerable.Range(0, 17).Select(i => i * 0.5f - 3).ToArray();
        using var t = Tensor.FromArray(data, Shape.Of(17), Device);
        Assert.Equal(data, t.ToFloatArray());
        using var onCpu = t.To(Cpu);
        Assert.Equal(data, onCpu.ToFloatArray());
        using var back = onCpu.To(Device);
        Assert.Equal(data, back.ToFloatArray());
        using var ints = Tensor.FromArray(new[] { 3, -1, 7 }, Shape.Of(3), Device);
        Assert.Equal(new[] { 3, -1, 7 }, ints.To(Cpu).ToIntArray());
    }

    [Fact]
    public void ReshapeSharesTheBufferAndInfersOneDimension()
    {
        using var t = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), Shape.Of(2, 3, 4), Device);
        int live = Device.LiveBuffers;
        using (var r = t.Reshape(6, -1))
        {
            Assert.Equal(Shape.Of(6, 4), r.Shape);
            Assert.Equal(live, Device.LiveBuffers);
            Assert.Equal(t.ToFloatArray(), r.ToFloatArray());
        }
        Assert.False(t.IsDisposed);
        Assert.Equal(11f, t.ToFloatArray()[11]);
        var e = Assert.Throws<ShapeException>(() => t.Reshape(5, 5));
        Assert.Contains("(2, 3, 4)", e.Message);
        Assert.Contains("24", e.Message);
    }

    [Fact]
    public void ADisposedTensorIsNamedByTheOpThatMeetsIt()
    {
        var t = Tensor.Zeros(Shape.Of(3, 4), Device);
        t.Dispose();
        t.Dispose(); // twice is fine
        var e = Assert.Throws<ObjectDisposedException>(() => Ops.Exp(t));
        Assert.Contains("Exp", e.Message);
        Assert.Contains("(3, 4)", e.Message);
        Assert.Contains("disposed", e.Message);
        Assert.Throws<ObjectDisposedException>(() => t.ToFloatArray());
    }

    [Fact]
    public void TheLiveBufferCountIsFlatOver1000IterationsOfAChainOfOps()
    {
        using var w = Ops.RandomNormal(Shape.Of(7, 5), Device, 1);
        using var b = Ops.RandomNormal(Shape.Of(5), Device, 2);
        void Step(int i)
        {
            using var x = Ops.RandomUniform(Shape.Of(3, 7), Device, (ulong)i);
            using var h = Ops.Matmul(x, w);
            using var z = Ops.Add(h, b);
            using var a = Ops.Tanh(z);
            using var s = Ops.Softmax(a);
            using var m = Ops.Sum(s, 1);
        }
        Step(0);
        int before = Device.LiveBuffers;
        for (int i = 1; i <= 1000; i++)
        {
            Step(i);
            Assert.Equal(before, Device.LiveBuffers);
        }
        Assert.True(Device.PooledBytes > 0, "the pool should keep the step's buffers for reuse");
    }

    [Fact]
    public void Float64IsACpuOnlyDtype()
    {
        if (IsCpu)
        {
            using var d = Tensor.FromArray(new[] { 1.5, 2.5 }, Shape.Of(2), Device);
            using var y = Ops.Mul(d, d);
            Assert.Equal(new[] { 2.25, 6.25 }, y.ToDoubleArray());
        }
        else
        {
            var e = Assert.Throws<DTypeException>(() => Tensor.Zeros(Shape.Of(2), Device, DType.Float64));
            Assert.Contains("float64", e.Message);
        }
    }
}

public sealed class TensorTestsCpu(DeviceFixture f) : TensorTests(f, "cpu");

public sealed class TensorTestsIlgpuCpu(DeviceFixture f) : TensorTests(f, "ilgpu-cpu");

public sealed class TensorTestsCuda(DeviceFixture f) : TensorTests(f, "cuda");

public sealed class DeviceTests(DeviceFixture fixture)
{
    [Fact]
    public void AnUnknownDeviceNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => Device.Open("tpu"));
        Assert.Contains("unknown device 'tpu'", e.Message);
        Assert.Contains("cuda:N", e.Message);
    }

    [Fact]
    public void DiscoveryNamesTheCpuAndGivesReasonsForSkippedDevices()
    {
        var report = DeviceSelector.Discover();
        Assert.Contains(report.Candidates, c => c.Name == "cpu" && c.Usable);
        Assert.All(report.Candidates.Where(c => !c.Usable), c => Assert.False(string.IsNullOrWhiteSpace(c.Detail)));
        Assert.Contains(report.AutoChoice, report.Candidates.Where(c => c.Usable).Select(c => c.Name));
        Assert.NotEqual("ilgpu-cpu", report.AutoChoice);
    }

    [Fact]
    public void AMissingGpuIsReportedWithTheReason()
    {
        if (DeviceSelector.Discover().Candidates.Any(c => c.Name.StartsWith("cuda", StringComparison.Ordinal) && c.Usable))
            Assert.Skip("this machine has a CUDA device");
        var e = Assert.Throws<DeviceNotFoundException>(() => Device.Open("cuda"));
        Assert.Contains("cuda:0", e.Message);
        Assert.Contains("not available", e.Message);
    }

    [Fact]
    public void MixedDevicesAreNamed()
    {
        var gpu = fixture.Get("ilgpu-cpu");
        using var a = Tensor.Zeros(Shape.Of(2), gpu);
        using var b = Tensor.Zeros(Shape.Of(2), Device.Cpu);
        var e = Assert.Throws<DeviceMismatchException>(() => Ops.Add(a, b));
        Assert.Contains("Add", e.Message);
        Assert.Contains("ilgpu-cpu", e.Message);
        Assert.Matches(@"(?<!ilgpu-)\bcpu\b", e.Message); // the cpu device named on its own, not only inside "ilgpu-cpu"
    }

    [Fact]
    public void ThePoolFreesTheBuffersReturnedLongestAgoFirst()
    {
        var cpu = Device.Cpu;
        long limit = cpu.PoolLimitBytes;
        cpu.TrimPool();
        try
        {
            cpu.PoolLimitBytes = 1000;
            Tensor.Zeros(Shape.Of(100), cpu).Dispose();   // a: 400 bytes
            Tensor.Zeros(Shape.Of(100), cpu).Dispose();   // b: 400 bytes, but a's buffer is reused
            using (Tensor.Zeros(Shape.Of(100), cpu))
            using (Tensor.Zeros(Shape.Of(100), cpu)) { } // two of 400 bytes returned
            Tensor.Zeros(Shape.Of(50), cpu).Dispose();    // c: 200 bytes
            Assert.Equal(1000, cpu.PooledBytes);
            Tensor.Zeros(Shape.Of(200), cpu).Dispose();   // d: 800 bytes; both 400-byte buffers (oldest) go
            Assert.Equal(1000, cpu.PooledBytes);
            using (Tensor.Zeros(Shape.Of(50), cpu)) Assert.Equal(800, cpu.PooledBytes);   // c was kept
            using (Tensor.Zeros(Shape.Of(100), cpu)) Assert.Equal(1000, cpu.PooledBytes); // nothing of 400 left
        }
        finally
        {
            cpu.PoolLimitBytes = limit;
        }
    }

    [Fact]
    public void ShapesBroadcastByNumPyRulesAndNameTheMismatch()
    {
        Assert.Equal(Shape.Of(4, 3, 5), Shape.Broadcast("op", Shape.Of(3, 1), Shape.Of(4, 1, 5)));
        var e = Assert.Throws<ShapeException>(() => Shape.Broadcast("Mul", Shape.Of(2, 3), Shape.Of(4, 3)));
        Assert.Contains("Mul", e.Message);
        Assert.Throws<ArgumentException>(() => new Shape(3, 0));
    }
}
