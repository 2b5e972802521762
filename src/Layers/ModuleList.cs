namespace HyenaIL.Layers;

/// <summary>Children named "0", "1", … in order, as PyTorch's nn.ModuleList (state_dict names
/// <c>layers.0.…</c>, <c>layers.1.…</c>).</summary>
public sealed class ModuleList<T> : Module where T : Module
{
    private readonly List<T> items = new();

    public ModuleList(Device device, IEnumerable<T> modules) : base(device)
    {
        foreach (var m in modules)
            items.Add(Child(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), m));
    }

    public int Count => items.Count;

    public T this[int i] => items[i];

    public IReadOnlyList<T> Items => items;
}
