namespace HyenaIL.TestSupport;

/// <summary>Seeded test data in float64 (uploaded as float32 where a device needs it).</summary>
public static class RandomData
{
    /// <summary>Uniform in [low, high).</summary>
    public static double[] Uniform(int seed, int n, double low = -1, double high = 1)
    {
        var r = new Random(seed);
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = low + (high - low) * r.NextDouble();
        return x;
    }

    /// <summary>Standard normal (Box–Muller), scaled.</summary>
    public static double[] Normal(int seed, int n, double std = 1)
    {
        var r = new Random(seed);
        var x = new double[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - r.NextDouble(), u2 = r.NextDouble();
            x[i] = std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        return x;
    }

    /// <summary>Integers uniform in [0, max).</summary>
    public static int[] Ints(int seed, int n, int max)
    {
        var r = new Random(seed);
        var x = new int[n];
        for (int i = 0; i < n; i++) x[i] = r.Next(max);
        return x;
    }

    /// <summary>Rounds each value to float32 and back, so float32 and float64 paths see the same inputs.</summary>
    public static double[] AsFloat32(double[] x) => Array.ConvertAll(x, v => (double)(float)v);

    public static float[] ToFloat(double[] x) => Array.ConvertAll(x, v => (float)v);

    public static double[] ToDouble(float[] x) => Array.ConvertAll(x, v => (double)v);

    public static int Product(int[] shape)
    {
        int p = 1;
        foreach (var d in shape) p *= d;
        return p;
    }
}
