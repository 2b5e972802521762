namespace HyenaIL.Autograd;

// Activation recomputation ("gradient checkpointing"): run f without recording, keep only its output, and in
// backward run f again on the saved input with recording on and backpropagate through that second run. Memory
// drops from every intermediate of f to its input and output; the price is a second forward pass. The recomputed
// pass uses the same seed, so dropout draws the same masks.
public static partial class Fn
{
    /// <summary>y = f(x), with f's intermediates recomputed in backward instead of kept. f may use parameters (their
    /// gradients accumulate as usual) but must depend on nothing else that requires a gradient.</summary>
    public static Var Recompute(Func<Var, Var> f, Var x)
    {
        var graph = x.Graph ?? throw new InvalidOperationException("Recompute: the input belongs to no graph");
        if (!graph.IsRecording) return f(x);
        Tensor y;
        using (var inner = new Graph(recordGradients: false, graph.Seed))
            y = f(inner.Input(x.Value)).Value.Clone();
        return Graph.RecordAlways("Recompute", y, [x], (_, dy) =>
        {
            using var again = new Graph(recordGradients: true, graph.Seed);
            var input = again.Input(x.Value, requiresGrad: x.RequiresGrad);
            var output = f(input);
            again.Backward(output, dy);
            if (x.RequiresGrad && input.Grad is { } g) x.AddGrad(g.Clone());
        });
    }
}
