namespace HyenaIL.TestSupport;

public static partial class Reference
{
    /// <summary>GELU with the tanh approximation, in float64.</summary>
    public static double Gelu(double x) => 0.5 * x * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

    /// <summary>Each unary op's value and derivative in float64, written from the textbook formulas.</summary>
    public static (Func<double, double> F, Func<double, double> DF) Unary(UnaryOp op) => op switch
    {
        UnaryOp.Neg => (x => -x, _ => -1),
        UnaryOp.Exp => (Math.Exp, Math.Exp),
        UnaryOp.Log => (Math.Log, x => 1 / x),
        UnaryOp.Sin => (Math.Sin, Math.Cos),
        UnaryOp.Cos => (Math.Cos, x => -Math.Sin(x)),
        UnaryOp.Tanh => (Math.Tanh, x => 1 / (Math.Cosh(x) * Math.Cosh(x))),
        UnaryOp.Sqrt => (Math.Sqrt, x => 0.5 / Math.Sqrt(x)),
        UnaryOp.Square => (x => x * x, x => 2 * x),
        UnaryOp.Gelu => (Gelu, x => (Gelu(x + 1e-5) - Gelu(x - 1e-5)) / 2e-5),
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };
}
