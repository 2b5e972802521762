namespace HyenaIL;

/// <summary>A tensor of the wrong shape reached an operation. The message names the operation, the expected
/// shape and the actual one.</summary>
public sealed class ShapeException(string message) : ArgumentException(message);

/// <summary>Tensors on different devices, or a tensor on a device the operation cannot use.</summary>
public sealed class DeviceMismatchException(string message) : ArgumentException(message);

/// <summary>A tensor of the wrong element type reached an operation.</summary>
public sealed class DTypeException(string message) : ArgumentException(message);

/// <summary>Argument checks shared by every public entry point. Each throws with the operation's name, what was
/// expected and what came.</summary>
public static class Check
{
    /// <summary>Throws <see cref="ObjectDisposedException"/> if <paramref name="t"/> was disposed.</summary>
    public static void Live(string op, Tensor t, string name = "input")
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (t.IsDisposed)
            throw new ObjectDisposedException(nameof(Tensor), $"{op}: {name} {t.Shape} on {t.Device.Name} was already disposed");
    }

    public static void SameDevice(string op, Tensor a, Tensor b, string nameA = "a", string nameB = "b")
    {
        Live(op, a, nameA);
        Live(op, b, nameB);
        if (!ReferenceEquals(a.Device, b.Device))
            throw new DeviceMismatchException($"{op}: {nameA} is on {a.Device.Name} but {nameB} is on {b.Device.Name}; move one with Tensor.To(device)");
    }

    public static void SameDType(string op, Tensor a, Tensor b, string nameA = "a", string nameB = "b")
    {
        if (a.DType != b.DType)
            throw new DTypeException($"{op}: {nameA} is {a.DType.Name()} but {nameB} is {b.DType.Name()}");
    }

    public static void Float(string op, Tensor t, string name = "input")
    {
        Live(op, t, name);
        if (!t.DType.IsFloat())
            throw new DTypeException($"{op}: {name} must be float32 or float64, got {t.DType.Name()}");
        if (t.DType == DType.Float64 && t.Device is not CpuDevice)
            throw new DTypeException($"{op}: float64 tensors exist only on the cpu device, {name} is on {t.Device.Name}");
    }

    public static void Int(string op, Tensor t, string name = "indices")
    {
        Live(op, t, name);
        if (t.DType != DType.Int32)
            throw new DTypeException($"{op}: {name} must be int32, got {t.DType.Name()}");
    }

    public static void Shape(string op, Tensor t, Shape expected, string name = "input")
    {
        if (t.Shape != expected)
            throw new ShapeException($"{op}: {name} must have shape {expected}, got {t.Shape}");
    }

    public static void Rank(string op, Tensor t, int rank, string name = "input")
    {
        if (t.Shape.Rank != rank)
            throw new ShapeException($"{op}: {name} must have rank {rank}, got shape {t.Shape}");
    }

    public static void MinRank(string op, Tensor t, int rank, string name = "input")
    {
        if (t.Shape.Rank < rank)
            throw new ShapeException($"{op}: {name} must have rank at least {rank}, got shape {t.Shape}");
    }

    public static void Dim(string op, Tensor t, int axis, int expected, string name = "input")
    {
        if (t.Shape[axis] != expected)
            throw new ShapeException($"{op}: {name} must have {expected} along axis {axis}, got shape {t.Shape}");
    }

    /// <summary>Same device, same dtype (both float), as one call for binary ops.</summary>
    public static void Binary(string op, Tensor a, Tensor b, string nameA = "a", string nameB = "b")
    {
        SameDevice(op, a, b, nameA, nameB);
        Float(op, a, nameA);
        Float(op, b, nameB);
        SameDType(op, a, b, nameA, nameB);
    }
}
