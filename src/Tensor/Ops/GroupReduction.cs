using ILGPU;
using ILGPU.Runtime;
using ViewF = ILGPU.ArrayView<float>;

namespace HyenaIL;

// Shared pieces of the row-wise kernels (reductions, softmax, layer norm, cross-entropy): the reduction operators,
// the group size for a row, and a tree reduction over a group's shared memory that works for any group size.

/// <summary>A reduction for kernels: applied to each element (<see cref="Map"/>), then combined pairwise.</summary>
internal interface IReduceOperator
{
    float Identity { get; }

    float Map(float x);

    float Combine(float a, float b);
}

internal readonly struct SumOperator : IReduceOperator
{
    public float Identity => 0f;

    public float Map(float x) => x;

    public float Combine(float a, float b) => a + b;
}

internal readonly struct SquareSumOperator : IReduceOperator
{
    public float Identity => 0f;

    public float Map(float x) => x * x;

    public float Combine(float a, float b) => a + b;
}

internal readonly struct MaxOperator : IReduceOperator
{
    public float Identity => float.NegativeInfinity;

    public float Map(float x) => x;

    public float Combine(float a, float b) => a > b || float.IsNaN(a) ? a : b;   // NaN propagates
}

internal static class GroupReduction
{
    /// <summary>Threads per group in the row kernels here and in the other row-wise ops (shared arrays are this long).</summary>
    public const int MaxGroupSize = 256;

    /// <summary>A group size for rows of <paramref name="n"/>: a power of two from the warp size up to
    /// <see cref="MaxGroupSize"/> (or the accelerator's limit), no larger than n needs.</summary>
    public static int GroupSize(IlgpuDevice g, int n)
    {
        int max = Math.Min(MaxGroupSize, g.Accelerator.MaxNumThreadsPerGroup);
        int size = Math.Min(g.Accelerator.WarpSize, max);
        while (size < n && size * 2 <= max) size *= 2;
        return size;
    }

    /// <summary>The first stride of a tree over <paramref name="size"/> slots: the largest power of two below it.</summary>
    public static int TreeStart(int size)
    {
        int half = 1;
        while (half * 2 < size) half *= 2;
        return half;
    }

    /// <summary>The combination over the group of every thread's <paramref name="value"/>, returned to every
    /// thread. A tree in <paramref name="shared"/> (one slot per thread), for any group size.</summary>
    public static float GroupReduce<TOp>(ViewF shared, float value) where TOp : struct, IReduceOperator
    {
        int t = Group.IdxX, size = Group.DimX;
        shared[t] = value;
        Group.Barrier();
        for (int s = TreeStart(size); s > 0; s /= 2)
        {
            if (t < s && t + s < size) shared[t] = default(TOp).Combine(shared[t], shared[t + s]);
            Group.Barrier();
        }
        float total = shared[0];
        Group.Barrier();
        return total;
    }
}
