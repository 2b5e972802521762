namespace HyenaIL;

/// <summary>
/// How two broadcast operands map onto their output (NumPy rules). Adjacent dimensions that broadcast the same
/// way are merged, so a bias add (B, L, D) + (D) becomes a (B·L, D) loop with the bias's row stride 0. At most
/// <see cref="MaxRank"/> merged dimensions remain (six dimensions alternating between broadcast and not would
/// be needed to exceed it).
/// </summary>
public readonly struct BroadcastPlan
{
    public const int MaxRank = 6;

    private BroadcastPlan(Shape output, int[] dims, int[] stridesA, int[] stridesB)
    {
        Output = output;
        Dims = dims;
        StridesA = stridesA;
        StridesB = stridesB;
    }

    public Shape Output { get; }

    /// <summary>Merged output dimensions (rank ≥ 1).</summary>
    public int[] Dims { get; }

    /// <summary>Element strides of operand a over <see cref="Dims"/>; 0 where a is broadcast.</summary>
    public int[] StridesA { get; }

    public int[] StridesB { get; }

    public int Rank => Dims.Length;

    /// <summary>Length of the innermost merged dimension.</summary>
    public int Inner => Dims[^1];

    /// <summary>Number of rows of <see cref="Inner"/> elements.</summary>
    public int Rows => Output.Size / Inner;

    public static BroadcastPlan Create(string op, Shape a, Shape b)
    {
        var output = Shape.Broadcast(op, a, b);
        int rank = output.Rank;
        var dims = new List<int>();
        var sa = new List<int>();
        var sb = new List<int>();
        int[] stA = PaddedStrides(a, rank), stB = PaddedStrides(b, rank);
        for (int i = 0; i < rank; i++)
        {
            int d = output[i];
            if (d == 1) continue;
            int x = stA[i], y = stB[i];
            int last = dims.Count - 1;
            // Merge with the previous dimension when both operands continue contiguously (or both stay broadcast).
            if (last >= 0 && sa[last] == x * d && sb[last] == y * d)
            {
                dims[last] *= d;
                sa[last] = x;
                sb[last] = y;
            }
            else
            {
                dims.Add(d);
                sa.Add(x);
                sb.Add(y);
            }
        }
        if (dims.Count == 0)
        {
            dims.Add(1);
            sa.Add(0);
            sb.Add(0);
        }
        if (dims.Count > MaxRank)
            throw new ShapeException($"{op}: broadcasting {a} with {b} needs {dims.Count} strided dimensions; at most {MaxRank} are supported");
        return new BroadcastPlan(output, dims.ToArray(), sa.ToArray(), sb.ToArray());
    }

    /// <summary>Strides of <paramref name="s"/> aligned right to <paramref name="rank"/> dimensions; 0 where the
    /// dimension is 1 (broadcast) or absent.</summary>
    private static int[] PaddedStrides(Shape s, int rank)
    {
        var strides = s.Strides();
        var result = new int[rank];
        for (int i = 0; i < s.Rank; i++)
            result[rank - s.Rank + i] = s[i] == 1 ? 0 : strides[i];
        return result;
    }

    /// <summary>Offsets of a and b for the first element of output row <paramref name="row"/>.</summary>
    public (int A, int B) RowOffsets(int row)
    {
        int offA = 0, offB = 0;
        for (int i = Rank - 2; i >= 0; i--)
        {
            int idx = row % Dims[i];
            row /= Dims[i];
            offA += idx * StridesA[i];
            offB += idx * StridesB[i];
        }
        return (offA, offB);
    }

    /// <summary>The plan as a plain struct for kernels.</summary>
    public BroadcastMap ToMap() => BroadcastMap.From(this);
}

/// <summary>A <see cref="BroadcastPlan"/> flattened into fields, so that a kernel can take it by value.
/// Dimensions are right-aligned: unused leading ones have size 1 and strides 0.</summary>
public struct BroadcastMap
{
    public int D1, D2, D3, D4, D5;
    public int A0, A1, A2, A3, A4, A5;
    public int B0, B1, B2, B3, B4, B5;

    internal static BroadcastMap From(BroadcastPlan p)
    {
        int pad = BroadcastPlan.MaxRank - p.Rank;
        var d = new int[BroadcastPlan.MaxRank];
        var a = new int[BroadcastPlan.MaxRank];
        var b = new int[BroadcastPlan.MaxRank];
        for (int i = 0; i < BroadcastPlan.MaxRank; i++)
        {
            d[i] = i < pad ? 1 : p.Dims[i - pad];
            a[i] = i < pad ? 0 : p.StridesA[i - pad];
            b[i] = i < pad ? 0 : p.StridesB[i - pad];
        }
        return new BroadcastMap
        {
            D1 = d[1], D2 = d[2], D3 = d[3], D4 = d[4], D5 = d[5],
            A0 = a[0], A1 = a[1], A2 = a[2], A3 = a[3], A4 = a[4], A5 = a[5],
            B0 = b[0], B1 = b[1], B2 = b[2], B3 = b[3], B4 = b[4], B5 = b[5],
        };
    }

    /// <summary>Offset into a of output element <paramref name="i"/>.</summary>
    public readonly int OffsetA(int i)
    {
        int i5 = i % D5; i /= D5;
        int i4 = i % D4; i /= D4;
        int i3 = i % D3; i /= D3;
        int i2 = i % D2; i /= D2;
        int i1 = i % D1; int i0 = i / D1;
        return i0 * A0 + i1 * A1 + i2 * A2 + i3 * A3 + i4 * A4 + i5 * A5;
    }

    /// <summary>Offset into b of output element <paramref name="i"/>.</summary>
    public readonly int OffsetB(int i)
    {
        int i5 = i % D5; i /= D5;
        int i4 = i % D4; i /= D4;
        int i3 = i % D3; i /= D3;
        int i2 = i % D2; i /= D2;
        int i1 = i % D1; int i0 = i / D1;
        return i0 * B0 + i1 * B1 + i2 * B2 + i3 * B3 + i4 * B4 + i5 * B5;
    }
}
