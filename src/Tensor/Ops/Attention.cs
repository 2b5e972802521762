namespace HyenaIL;

// Causal scaled dot-product attention, computed in blocks of queries so that memory grows as O(L·block), not
// O(L²) (the idea of FlashAttention, without its fused kernel):
//   forward, for each block of queries Q_b (rows i ∈ [s, e)) against the keys up to e:
//     S = Q_b·K[:e]ᵀ·scale;  P = softmax(S, causal);  O_b = P·V[:e]
//   backward (P recomputed, never stored):
//     dV[:e] += Pᵀ·dO_b;  dP = dO_b·V[:e]ᵀ;  dS = P ⊙ (dP − rowsum(dP ⊙ P));
//     dQ_b = dS·K[:e]·scale;  dK[:e] += dSᵀ·Q_b·scale
// q, k, v (B, H, L, Dh). Composed from Matmul, Softmax and the copy ops, so it runs on every device.

public static partial class Ops
{
    /// <summary>Elements of one block's score matrix (B·H·block·L); bounds the working memory.</summary>
    public const int AttentionBlockElements = 1 << 23;

    /// <summary>The query block size used for (B, H, L).</summary>
    public static int AttentionBlock(int batchHeads, int length) =>
        Math.Clamp(AttentionBlockElements / Math.Max(1, batchHeads * length), 16, Math.Max(16, length));

    /// <param name="blockSize">Queries per block (default: <see cref="AttentionBlock"/>).</param>
    public static Tensor CausalAttention(Tensor q, Tensor k, Tensor v, float scale, int blockSize = 0)
    {
        var (bh, l) = CheckAttention("CausalAttention", q, k, v);
        int block = blockSize > 0 ? blockSize : AttentionBlock(bh, l);
        var outputs = new List<Tensor>();
        try
        {
            for (int s = 0; s < l; s += block)
            {
                int e = Math.Min(l, s + block);
                using var qb = Slice(q, 2, s, e - s);                 // (B, H, b, Dh)
                using var kp = Slice(k, 2, 0, e);                     // (B, H, e, Dh)
                using var vp = Slice(v, 2, 0, e);
                using var p = BlockProbabilities(qb, kp, scale);      // (B, H, b, e)
                outputs.Add(Matmul(p, vp));                           // (B, H, b, Dh)
            }
            return outputs.Count == 1 ? outputs[0].Clone() : Concat(outputs, 2);
        }
        finally
        {
            foreach (var t in outputs) t.Dispose();
        }
    }

    /// <summary>(dq, dk, dv) of <see cref="CausalAttention"/>, recomputing the probabilities block by block.</summary>
    public static (Tensor DQ, Tensor DK, Tensor DV) CausalAttentionBackward(Tensor q, Tensor k, Tensor v, float scale, Tensor dOut, int blockSize = 0)
    {
        var (bh, l) = CheckAttention("CausalAttentionBackward", q, k, v);
        Check.Shape("CausalAttentionBackward", dOut, q.Shape, "dOut");
        int block = blockSize > 0 ? blockSize : AttentionBlock(bh, l);
        var dk = Tensor.ZerosLike(k);
        var dv = Tensor.ZerosLike(v);
        var dqs = new List<Tensor>();
        try
        {
            for (int s = 0; s < l; s += block)
            {
                int e = Math.Min(l, s + block);
                using var qb = Slice(q, 2, s, e - s);
                using var kp = Slice(k, 2, 0, e);
                using var vp = Slice(v, 2, 0, e);
                using var dob = Slice(dOut, 2, s, e - s);
                using var p = BlockProbabilities(qb, kp, scale);                 // (B, H, b, e)
                using (var dvp = Matmul(p, dob, transA: true)) AddIntoPrefix(dv, dvp, e);
                using var dp = Matmul(dob, vp, transB: true);                    // (B, H, b, e)
                using var ds = SoftmaxBackward(p, dp);
                using (var dq = Matmul(ds, kp)) dqs.Add(MulScalar(dq, scale));
                using var dkp = Matmul(ds, qb, transA: true);                    // (B, H, e, Dh)
                using var dkScaled = MulScalar(dkp, scale);
                AddIntoPrefix(dk, dkScaled, e);
            }
            var dqAll = dqs.Count == 1 ? dqs[0].Clone() : Concat(dqs, 2);
            return (dqAll, dk, dv);
        }
        catch
        {
            dk.Dispose();
            dv.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in dqs) t.Dispose();
        }
    }

    private static Tensor BlockProbabilities(Tensor qb, Tensor kp, float scale)
    {
        using var scores = Matmul(qb, kp, transB: true);                          // (B, H, b, e)
        using var scaled = MulScalar(scores, scale);
        return Softmax(scaled, causal: true);                                     // row i keeps keys ≤ s + i
    }

    /// <summary>target[:, :, :e] += update (e = update's length along axis 2).</summary>
    private static void AddIntoPrefix(Tensor target, Tensor update, int e)
    {
        if (e == target.Shape[2])
        {
            AddInPlace(target, update);
            return;
        }
        using var padded = SliceBackward(update, target.Shape, 2, 0);
        AddInPlace(target, padded);
    }

    private static (int BatchHeads, int Length) CheckAttention(string op, Tensor q, Tensor k, Tensor v)
    {
        Check.Binary(op, q, k, "q", "k");
        Check.Binary(op, q, v, "q", "v");
        Check.Rank(op, q, 4, "q");
        Check.Shape(op, k, q.Shape, "k");
        Check.Shape(op, v, q.Shape, "v");
        return (q.Shape[0] * q.Shape[1], q.Shape[2]);
    }
}
