namespace HyenaIL.Autograd;

// Differentiable dropout: y = x·m/(1 − p) with the mask m drawn from (seed, element index), so backward
// regenerates it instead of storing it (src/Tensor/Ops/Dropout.cs). p = 0 is the identity.
public static partial class Fn
{
    public static Var Dropout(Var x, float p, ulong seed)
    {
        if (p == 0f) return x;
        return Graph.Record("Dropout", Ops.Dropout(x.Value, p, seed), [x],
            (_, dy) => x.AddGrad(Ops.DropoutBackward(dy, p, seed)));
    }
}
