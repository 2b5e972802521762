namespace HyenaIL.Autograd;

// Differentiable matrix product C = op(A)·op(B), op = transpose or identity. Forward: src/Tensor/Ops/Matmul.cs.
// Backward (dC given): d op(A) = dC·op(B)ᵀ and d op(B) = op(A)ᵀ·dC, which gives
//   dA = dC·op(B)ᵀ = Matmul(dC, B, false, !transB)        (A not transposed)
//   dA = op(B)·dCᵀ = Matmul(B, dC, transB, true)           (A transposed)
//   dB = op(A)ᵀ·dC = Matmul(A, dC, !transA, false)         (B not transposed)
//   dB = dCᵀ·op(A) = Matmul(dC, A, true, transA)           (B transposed)
// An operand shared across the other's batch gets its gradient summed over that batch.
public static partial class Fn
{
    public static Var Matmul(Var a, Var b, bool transA = false, bool transB = false) =>
        Graph.Record("Matmul", Ops.Matmul(a.Value, b.Value, transA, transB), [a, b], (_, dc) =>
        {
            if (a.RequiresGrad)
            {
                var da = transA ? Ops.Matmul(b.Value, dc, transB, true) : Ops.Matmul(dc, b.Value, false, !transB);
                a.AddGrad(SumToShape(da, a.Shape));
            }
            if (b.RequiresGrad)
            {
                var db = transB ? Ops.Matmul(dc, a.Value, true, transA) : Ops.Matmul(a.Value, dc, !transA, false);
                b.AddGrad(SumToShape(db, b.Shape));
            }
        });

    /// <summary>Sums a batched gradient over the batch an operand was shared across; takes ownership.</summary>
    private static Tensor SumToShape(Tensor grad, Shape shape)
    {
        if (grad.Shape == shape) return grad;
        using (grad) return Ops.SumTo(grad, shape);
    }
}
