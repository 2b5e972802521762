namespace HyenaIL.TestSupport;

/// <summary>
/// Plain float64 references, one partial file per op family: scalar loops over explicit indices, written
/// without sharing any code with the implementations they check.
/// </summary>
public static partial class Reference
{
    /// <summary>Row-major flat index of <paramref name="index"/> in <paramref name="shape"/>.</summary>
    public static int Flat(int[] shape, int[] index)
    {
        int f = 0;
        for (int i = 0; i < shape.Length; i++) f = f * shape[i] + index[i];
        return f;
    }

    /// <summary>The multi-index of flat position <paramref name="flat"/> in <paramref name="shape"/>.</summary>
    public static int[] Unflatten(int[] shape, int flat)
    {
        var idx = new int[shape.Length];
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            idx[i] = flat % shape[i];
            flat /= shape[i];
        }
        return idx;
    }

    public static int Size(int[] shape)
    {
        int s = 1;
        foreach (var d in shape) s *= d;
        return s;
    }
}
