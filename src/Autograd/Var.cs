namespace HyenaIL.Autograd;

/// <summary>
/// A differentiable value: a tensor, the gradient that reaches it in <see cref="Graph.Backward(Var, Tensor?, bool)"/>,
/// and how to pass that gradient on to the values it was computed from.
/// <para>Two kinds: a <em>leaf</em> made with <see cref="Var(Tensor, bool)"/> (a parameter or an input) belongs to no
/// graph, keeps its gradient across backward passes until <see cref="ZeroGrad"/>, and is never freed by a graph;
/// a <em>node</em> made by an operation belongs to the graph of its inputs, which owns its value and gradient and
/// frees them as backward passes it (or when the graph is disposed).</para>
/// </summary>
public class Var
{
    private Tensor? value;

    /// <summary>A leaf: the caller owns <paramref name="value"/>.</summary>
    public Var(Tensor value, bool requiresGrad)
    {
        ArgumentNullException.ThrowIfNull(value);
        this.value = value;
        RequiresGrad = requiresGrad;
        Op = "leaf";
        Parents = [];
    }

    internal Var(Graph graph, string op, Tensor value, Var[] parents, bool requiresGrad)
    {
        this.value = value;
        Graph = graph;
        Op = op;
        Parents = parents;
        RequiresGrad = requiresGrad;
    }

    /// <summary>The graph that owns this value, or null for a leaf.</summary>
    public Graph? Graph { get; }

    /// <summary>The operation that made this value ("leaf" for leaves), for error messages.</summary>
    public string Op { get; }

    /// <summary>Whether a gradient flows to this value in backward.</summary>
    public bool RequiresGrad { get; }

    public bool IsLeaf => Graph is null;

    /// <summary>The value. Throws once backward has freed it (an intermediate that nothing needs any more).</summary>
    public Tensor Value => value ?? throw new InvalidOperationException(
        $"{Op}: this intermediate value was freed by Backward; read what you need before calling Backward, or keep it with Graph.Retain");

    /// <summary>The gradient accumulated so far, or null if none reached this value.</summary>
    public Tensor? Grad { get; private set; }

    public Shape Shape => Value.Shape;

    public Device Device => Value.Device;

    public DType DType => Value.DType;

    internal Var[] Parents { get; }

    /// <summary>Pushes this node's gradient to its parents (null for leaves and for nodes that need no gradient).</summary>
    internal Action<Var, Tensor>? BackwardFn { get; set; }

    /// <summary>Tensors the backward function needs besides the parents' values (e.g. layer norm statistics),
    /// owned by the graph and freed with this node.</summary>
    internal List<Tensor>? Saved { get; set; }

    internal bool ValueFreed => value is null;

    /// <summary>True for a graph input whose tensor the caller owns (the graph never frees it).</summary>
    internal bool Borrowed { get; init; }

    /// <summary>
    /// Adds <paramref name="contribution"/> to this value's gradient and takes ownership of it: the first
    /// contribution becomes the gradient, later ones are added in place. The one accumulation rule of the
    /// autograd: gradients are sums of every path's contribution.
    /// </summary>
    public void AddGrad(Tensor contribution)
    {
        ArgumentNullException.ThrowIfNull(contribution);
        if (!RequiresGrad)
        {
            contribution.Dispose();
            return;
        }
        if (contribution.Shape != Shape)
        {
            var shape = contribution.Shape;
            contribution.Dispose();
            throw new ShapeException($"{Op}: gradient of shape {shape} reached a value of shape {Shape}");
        }
        if (Grad is null) Grad = contribution;
        else
        {
            Ops.AddInPlace(Grad, contribution);
            contribution.Dispose();
        }
    }

    /// <summary>Replaces a leaf's tensor (e.g. a parameter converted to float64 for a gradient check). The caller
    /// owns the old tensor.</summary>
    protected void ReplaceLeafValue(Tensor newValue)
    {
        if (!IsLeaf) throw new InvalidOperationException($"{Op}: only a leaf's value can be replaced");
        ArgumentNullException.ThrowIfNull(newValue);
        ZeroGrad();
        value = newValue;
    }

    /// <summary>Drops the gradient (a leaf's is kept across backward passes until this is called).</summary>
    public void ZeroGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    internal void FreeGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    internal void FreeValue()
    {
        value?.Dispose();
        value = null;
    }

    internal void FreeSaved()
    {
        if (Saved is null) return;
        foreach (var t in Saved) t.Dispose();
        Saved = null;
    }

    /// <summary>This value cut off from the gradient; see <see cref="Graph.Detach(Var)"/>. A leaf detaches to a new leaf
    /// that shares its tensor and needs no gradient.</summary>
    public Var Detach() => Graph is null ? new Var(Value, requiresGrad: false) : Graph.Detach(this);

    /// <summary>Backward from this scalar value; see <see cref="Graph.Backward(Var, Tensor?, bool)"/>.</summary>
    public void Backward() =>
        (Graph ?? throw new InvalidOperationException("Backward: a leaf has nothing to backpropagate through")).Backward(this);

    public override string ToString() => $"Var({Op}, {(ValueFreed ? "freed" : Shape.ToString())}{(RequiresGrad ? ", requires grad" : "")})";

    public static Var operator +(Var a, Var b) => Fn.Add(a, b);

    public static Var operator -(Var a, Var b) => Fn.Sub(a, b);

    public static Var operator *(Var a, Var b) => Fn.Mul(a, b);

    public static Var operator /(Var a, Var b) => Fn.Div(a, b);

    public static Var operator -(Var a) => Fn.Neg(a);

    public static Var operator *(Var a, float s) => Fn.Affine(a, s, 0f);

    public static Var operator *(float s, Var a) => Fn.Affine(a, s, 0f);
}
