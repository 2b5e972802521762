namespace HyenaIL.Autograd;

/// <summary>
/// The record of one forward pass (a "tape"), and the scope that owns its intermediate tensors: create one per
/// training step, run the model, call <see cref="Backward(Var, Tensor?, bool)"/>, dispose it. Every value an
/// operation makes belongs to the graph of its inputs; disposing the graph frees them all, so the count of live
/// buffers returns to where it was.
/// <para>A graph made with <c>recordGradients: false</c> is the no-grad scope for evaluation: operations compute
/// values only, remember nothing for backward, and <see cref="Backward(Var, Tensor?, bool)"/> is refused. Inside a
/// recording graph, <see cref="NoGrad"/> opens the same kind of scope for a stretch of the forward pass, and
/// <see cref="Detach"/> cuts one value off from the gradient.</para>
/// <para>Order: values are appended as operations make them, and an operation's inputs always exist before its
/// output, so the order of creation is a topological order; backward walks it in reverse.</para>
/// </summary>
public sealed class Graph : IDisposable
{
    private readonly List<Var> nodes = new();
    private readonly HashSet<Var> retained = new(ReferenceEqualityComparer.Instance);
    private readonly bool recordGradients;
    private int noGradDepth;
    private bool backwardDone;
    private bool disposed;

    /// <param name="recordGradients">False makes a no-grad scope.</param>
    /// <param name="seed">Randomness of this forward pass (dropout masks derive from it), so that a step can be
    /// replayed exactly: a trainer passes a seed derived from its run seed and the step number.</param>
    public Graph(bool recordGradients = true, ulong seed = 0)
    {
        this.recordGradients = recordGradients;
        Seed = seed;
    }

    /// <summary>Whether operations recorded now remember how to backpropagate: false in a no-grad graph and inside a
    /// <see cref="NoGrad"/> scope.</summary>
    public bool IsRecording => recordGradients && noGradDepth == 0;

    /// <summary>
    /// A no-grad scope inside this graph: until the returned scope is disposed, operations compute values only
    /// (as in a graph made with <c>recordGradients: false</c>) and what they make needs no gradient. Scopes nest.
    /// Values made inside belong to this graph and are freed with it; backward passes by them.
    /// </summary>
    public IDisposable NoGrad()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        noGradDepth++;
        return new NoGradScope(this);
    }

    private sealed class NoGradScope(Graph graph) : IDisposable
    {
        private bool closed;

        public void Dispose()
        {
            if (closed) return;
            closed = true;
            graph.noGradDepth--;
        }
    }

    /// <summary>
    /// The same value as <paramref name="v"/>, cut off from the gradient: operations on the result compute as usual,
    /// and no gradient flows back through it to <paramref name="v"/> or to anything <paramref name="v"/> was made
    /// from. The result belongs to this graph and holds its own reference to the buffer, so freeing
    /// <paramref name="v"/> does not free it: like any value of the graph, backward frees it unless it is retained
    /// (<see cref="Retain"/>), and disposing the graph frees it.
    /// </summary>
    public Var Detach(Var v)
    {
        ArgumentNullException.ThrowIfNull(v);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (v.Graph is not null && !ReferenceEquals(v.Graph, this))
            throw new ArgumentException($"Detach: {v} belongs to another graph");
        var value = v.Value;
        var node = new Var(this, "Detach", value.Reshape(value.Shape), [], requiresGrad: false);
        nodes.Add(node);
        return node;
    }

    /// <summary>The seed of this forward pass's randomness.</summary>
    public ulong Seed { get; }

    /// <summary>Number of values this graph has made.</summary>
    public int NodeCount => nodes.Count;

    /// <summary>Wraps a tensor the caller owns as an input of this graph. With <paramref name="requiresGrad"/>
    /// its gradient is computed (and owned by the graph).</summary>
    public Var Input(Tensor value, bool requiresGrad = false)
    {
        Check.Live("Graph.Input", value, "value");
        var v = new Var(this, "input", value, [], requiresGrad && IsRecording) { Borrowed = true };
        nodes.Add(v);
        return v;
    }

    /// <summary>Hands <paramref name="value"/> to the graph, which disposes it with the graph.</summary>
    public Var Own(Tensor value, bool requiresGrad = false)
    {
        Check.Live("Graph.Own", value, "value");
        var v = new Var(this, "input", value, [], requiresGrad && IsRecording);
        nodes.Add(v);
        return v;
    }

    /// <summary>Keeps <paramref name="v"/>'s value alive through backward (until the graph is disposed).</summary>
    public void Retain(Var v)
    {
        if (!ReferenceEquals(v.Graph, this)) throw new ArgumentException($"Retain: {v} does not belong to this graph");
        retained.Add(v);
    }

    /// <summary>
    /// Records the result of an operation. <paramref name="backward"/> receives the new value and the gradient
    /// that reached it, and passes gradients to the parents with <see cref="Var.AddGrad"/>; it is kept only when the
    /// graph records and some parent needs a gradient. <paramref name="saved"/> are extra tensors the backward needs,
    /// owned by the graph from now on.
    /// </summary>
    public static Var Record(string op, Tensor value, Var[] parents, Action<Var, Tensor>? backward, params Tensor[] saved) =>
        GraphOf(op, parents).RecordHere(op, value, parents, backward, saved);

    /// <summary>Records an operation whose backward must run even when none of its listed parents needs a gradient,
    /// because it reaches parameters of its own (see <see cref="Fn.Recompute"/>).</summary>
    internal static Var RecordAlways(string op, Tensor value, Var[] parents, Action<Var, Tensor> backward)
    {
        var graph = GraphOf(op, parents);
        ObjectDisposedException.ThrowIf(graph.disposed, graph);
        var v = new Var(graph, op, value, parents, graph.IsRecording) { BackwardFn = graph.IsRecording ? backward : null };
        graph.nodes.Add(v);
        return v;
    }

    /// <summary>
    /// Brings a leaf (a parameter) into this graph as a node of its own, so that operations on parameters alone
    /// (reshaping a weight, say) have a graph to belong to. Shares the leaf's buffer; the gradient flows through.
    /// </summary>
    public Var Attach(Var leaf)
    {
        if (ReferenceEquals(leaf.Graph, this)) return leaf;
        if (leaf.Graph is not null) throw new ArgumentException($"Attach: {leaf} belongs to another graph");
        var shape = leaf.Shape;
        return RecordHere("Attach", leaf.Value.Reshape(shape), [leaf], (_, dy) => leaf.AddGrad(dy.Reshape(shape)), []);
    }

    private Var RecordHere(string op, Tensor value, Var[] parents, Action<Var, Tensor>? backward, Tensor[] saved)
    {
        var graph = this;
        ObjectDisposedException.ThrowIf(graph.disposed, graph);
        bool needsGrad = graph.IsRecording && backward is not null && parents.Any(p => p.RequiresGrad);
        var v = new Var(graph, op, value, needsGrad ? parents : [], needsGrad)
        {
            BackwardFn = needsGrad ? backward : null,
        };
        if (saved.Length > 0)
        {
            if (needsGrad) v.Saved = [.. saved];
            else foreach (var t in saved) t.Dispose();
        }
        graph.nodes.Add(v);
        return v;
    }

    /// <summary>The one graph the inputs of an operation belong to (leaves belong to none).</summary>
    public static Graph GraphOf(string op, IReadOnlyList<Var> inputs)
    {
        Graph? graph = null;
        foreach (var p in inputs)
        {
            ArgumentNullException.ThrowIfNull(p, op);
            if (p.Graph is null) continue;
            if (graph is null) graph = p.Graph;
            else if (!ReferenceEquals(graph, p.Graph))
                throw new InvalidOperationException($"{op}: its inputs belong to two different graphs; one forward pass uses one graph");
        }
        return graph ?? throw new InvalidOperationException(
            $"{op}: none of its inputs belongs to a graph; wrap a tensor with graph.Input(...) to start one");
    }

    public void Backward(Var root) => Backward(root, null, false);

    /// <summary>
    /// Computes the gradient of <paramref name="root"/> with respect to every value that requires one.
    /// A scalar root starts from gradient 1; any other root needs <paramref name="outputGradient"/> of its shape.
    /// Leaves add to their <see cref="Var.Grad"/>; intermediates receive theirs, pass it on, and are freed
    /// as soon as nothing earlier needs them (unless <paramref name="retainGraph"/>, or retained).
    /// </summary>
    public void Backward(Var root, Tensor? outputGradient, bool retainGraph = false)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!recordGradients)
            throw new InvalidOperationException("Backward: this graph was made with recordGradients: false (a no-grad scope)");
        if (noGradDepth > 0)
            throw new InvalidOperationException("Backward: called inside a NoGrad() scope of this graph; dispose the scope first");
        if (!ReferenceEquals(root.Graph, this))
            throw new ArgumentException($"Backward: {root} does not belong to this graph");
        if (backwardDone)
            throw new InvalidOperationException("Backward: this graph was already backpropagated and its intermediates freed; " +
                                                "run the forward pass again, or pass retainGraph: true to the first Backward");
        if (!root.RequiresGrad)
            throw new InvalidOperationException($"Backward: {root} does not depend on anything that requires a gradient");
        if (outputGradient is null)
        {
            if (root.Shape.Size != 1)
                throw new ShapeException($"Backward: the output has shape {root.Shape}; Backward without an output gradient needs a scalar (reduce it first, e.g. with Fn.Mean)");
            root.AddGrad(Tensor.Full(root.Shape, 1.0, root.Device, root.DType));
        }
        else
        {
            Check.Shape("Backward", outputGradient, root.Shape, "output gradient");
            Check.SameDevice("Backward", root.Value, outputGradient, "output", "output gradient");
            root.AddGrad(outputGradient.Clone());
        }
        retained.Add(root);
        int start = nodes.IndexOf(root);
        for (int i = start; i >= 0; i--)
        {
            var v = nodes[i];
            if (v.Grad is not null && v.BackwardFn is not null)
                v.BackwardFn(v, v.Grad);
            if (v.Op != "input") v.FreeGrad(); // an intermediate's gradient is used once; inputs keep theirs
            if (retainGraph) continue;
            v.FreeSaved();
            if (!retained.Contains(v) && !v.Borrowed) v.FreeValue();
        }
        if (!retainGraph) backwardDone = true;
    }

    /// <summary>Frees every value, gradient and saved tensor this graph owns. Leaves are untouched.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var v in nodes)
        {
            v.FreeSaved();
            v.FreeGrad();
            if (!v.Borrowed) v.FreeValue();
        }
        nodes.Clear();
    }
}
