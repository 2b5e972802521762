using System.Collections;

namespace HyenaIL;

/// <summary>
/// The dimensions of a tensor, row-major (the last index fastest). Immutable; equal when the dimensions are equal.
/// A shape of rank 0 is a scalar of size 1. Every dimension is at least 1 (empty tensors are not supported),
/// and the size fits in an <see cref="int"/>.
/// </summary>
public sealed class Shape : IEquatable<Shape>, IReadOnlyList<int>
{
    private readonly int[] dims;

    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long size = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] < 1)
                throw new ArgumentException($"shape {Format(dims)}: dimension {i} is {dims[i]}; every dimension must be at least 1");
            size *= dims[i];
            if (size > int.MaxValue)
                throw new ArgumentException($"shape {Format(dims)}: {size}+ elements exceed the limit of {int.MaxValue}");
        }
        this.dims = (int[])dims.Clone();
        Size = (int)size;
    }

    public static Shape Scalar { get; } = new();

    public static Shape Of(params int[] dims) => new(dims);

    public int Rank => dims.Length;

    /// <summary>Number of elements.</summary>
    public int Size { get; }

    public int this[int axis] => dims[NormalizeAxis(axis)];

    public int Count => dims.Length;

    /// <summary>The last dimension, or 1 for a scalar.</summary>
    public int Last => dims.Length == 0 ? 1 : dims[^1];

    public int[] ToArray() => (int[])dims.Clone();

    public ReadOnlySpan<int> AsSpan() => dims;

    /// <summary>Turns a possibly negative axis (−1 is the last) into an index in [0, Rank), or throws.</summary>
    public int NormalizeAxis(int axis)
    {
        int a = axis < 0 ? axis + dims.Length : axis;
        if (a < 0 || a >= dims.Length)
            throw new ArgumentOutOfRangeException(nameof(axis), $"axis {axis} is out of range for shape {this} of rank {Rank}");
        return a;
    }

    /// <summary>Product of the dimensions before <paramref name="axis"/>.</summary>
    public int SizeBefore(int axis)
    {
        int s = 1;
        for (int i = 0; i < axis; i++) s *= dims[i];
        return s;
    }

    /// <summary>Product of the dimensions after <paramref name="axis"/>.</summary>
    public int SizeAfter(int axis)
    {
        int s = 1;
        for (int i = axis + 1; i < dims.Length; i++) s *= dims[i];
        return s;
    }

    /// <summary>Row-major strides in elements.</summary>
    public int[] Strides()
    {
        var s = new int[dims.Length];
        int acc = 1;
        for (int i = dims.Length - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= dims[i];
        }
        return s;
    }

    /// <summary>This shape with dimension <paramref name="axis"/> replaced by <paramref name="size"/>.</summary>
    public Shape With(int axis, int size)
    {
        var d = ToArray();
        d[NormalizeAxis(axis)] = size;
        return new Shape(d);
    }

    /// <summary>This shape without dimension <paramref name="axis"/>.</summary>
    public Shape Without(int axis)
    {
        int a = NormalizeAxis(axis);
        var d = new int[dims.Length - 1];
        for (int i = 0, j = 0; i < dims.Length; i++)
            if (i != a) d[j++] = dims[i];
        return new Shape(d);
    }

    /// <summary>The broadcast of two shapes (NumPy rules: align right; each pair equal or one of them 1).</summary>
    public static Shape Broadcast(string op, Shape a, Shape b)
    {
        int rank = Math.Max(a.Rank, b.Rank);
        var d = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Rank ? 1 : a.dims[i - (rank - a.Rank)];
            int db = i < rank - b.Rank ? 1 : b.dims[i - (rank - b.Rank)];
            if (da != db && da != 1 && db != 1)
                throw new ShapeException($"{op}: shapes {a} and {b} do not broadcast (dimension {i} from the left of the result: {da} against {db})");
            d[i] = Math.Max(da, db);
        }
        return new Shape(d);
    }

    public bool Equals(Shape? other) => other is not null && dims.AsSpan().SequenceEqual(other.dims);

    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in dims) h.Add(d);
        return h.ToHashCode();
    }

    public static bool operator ==(Shape? a, Shape? b) => a is null ? b is null : a.Equals(b);

    public static bool operator !=(Shape? a, Shape? b) => !(a == b);

    public override string ToString() => Format(dims);

    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => dims.GetEnumerator();

    private static string Format(int[] d) => d.Length == 1 ? $"({d[0]},)" : "(" + string.Join(", ", d) + ")";
}
