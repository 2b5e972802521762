namespace HyenaIL;

/// <summary>Element type of a tensor. Models compute in <see cref="Float32"/>; <see cref="Float64"/> exists on
/// the <c>cpu</c> device for references and gradient checks; <see cref="Int32"/> holds token ids and indices.</summary>
public enum DType
{
    Float32,
    Float64,
    Int32,
}

public static class DTypeExtensions
{
    public static int SizeInBytes(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static Type ClrType(this DType dtype) => dtype switch
    {
        DType.Float32 => typeof(float),
        DType.Float64 => typeof(double),
        DType.Int32 => typeof(int),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Int32 => "int32",
        _ => dtype.ToString(),
    };

    public static bool IsFloat(this DType dtype) => dtype is DType.Float32 or DType.Float64;
}
