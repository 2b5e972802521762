using System.Text;

namespace HyenaIL.Layers;

/// <summary>
/// A part of a model: named parameters, buffers (state that is saved but not trained) and child modules, with
/// dotted names as in the reference's <c>state_dict</c> (<c>backbone.layers.0.mixer.in_proj.weight</c>).
/// The same parameter may be registered under several names (the tied LM head; the filter's Sin shared by three
/// positions): it is trained and counted once and saved under every name.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, object Item)> entries = new();
    private bool disposed;

    protected Module(Device device)
    {
        Device = device;
    }

    public Device Device { get; }

    /// <summary>False in evaluation mode (dropout off).</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Sets training or evaluation mode on this module and every child.</summary>
    public void Train(bool training = true)
    {
        Training = training;
        foreach (var (_, item) in entries)
            if (item is Module m) m.Train(training);
    }

    public void Eval() => Train(false);

    protected Parameter Param(string name, Shape shape, Init init, ParameterGroup group = ParameterGroup.Default, bool trainable = true)
    {
        var p = new Parameter(Tensor.Zeros(shape, Device), init, group, trainable);
        entries.Add((name, p));
        return p;
    }

    /// <summary>Registers an existing parameter under another name (weight tying).</summary>
    protected void Alias(string name, Parameter p) => entries.Add((name, new AliasEntry(p)));

    /// <summary>A saved, untrained tensor; the module owns it.</summary>
    protected BufferSlot Buffer(string name, Tensor value)
    {
        if (!ReferenceEquals(value.Device, Device))
            throw new DeviceMismatchException($"{GetType().Name}.{name}: buffer is on {value.Device.Name}, module on {Device.Name}");
        var slot = new BufferSlot(value);
        entries.Add((name, slot));
        return slot;
    }

    protected T Child<T>(string name, T module) where T : Module
    {
        entries.Add((name, module));
        return module;
    }

    /// <summary>Registers an existing child under another name as well (shared modules).</summary>
    protected void AliasChild(string name, Module module) => entries.Add((name, new AliasEntry(module)));

    /// <summary>Every parameter once, under its first name, in registration order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters()
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var list = new List<(string, Parameter)>();
        foreach (var (name, item) in Walk(""))
            if (item is Parameter p && seen.Add(p)) list.Add((name, p));
        return list;
    }

    public IReadOnlyList<Parameter> Parameters() => NamedParameters().Select(e => e.Parameter).ToList();

    /// <summary>This module and every module under it, each once (a shared child is listed once), depth first.</summary>
    public IReadOnlyList<Module> Modules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var list = new List<Module>();
        void Visit(Module m)
        {
            if (!seen.Add(m)) return;
            list.Add(m);
            foreach (var (_, item) in m.entries)
                if ((item is AliasEntry a ? a.Target : item) is Module child) Visit(child);
        }
        Visit(this);
        return list;
    }

    /// <summary>Every saved tensor under every name it has: parameters (aliases included) and buffers.</summary>
    public IReadOnlyList<(string Name, Tensor Tensor)> StateEntries() =>
        Walk("").Select(e => (e.Name, TensorOf(e.Item))).ToList();

    /// <summary>Every parameter and buffer by name (aliases included), for loading: a parameter or a buffer slot.</summary>
    internal IReadOnlyList<(string Name, object Item)> StateItems() => Walk("").ToList();

    /// <summary>
    /// Converts every float parameter and buffer to <paramref name="dtype"/> in place, e.g. to float64 on the cpu
    /// device for a gradient check of a whole layer. Gradients are dropped.
    /// </summary>
    public void ConvertTo(DType dtype)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var (_, item) in Walk(""))
        {
            if (!seen.Add(item)) continue;
            switch (item)
            {
                case Parameter p when p.Value.DType != dtype: p.Replace(p.Value.ToDType(dtype)); break;
                case BufferSlot b when b.Value.DType.IsFloat() && b.Value.DType != dtype:
                    var old = b.Value;
                    b.Value = old.ToDType(dtype);
                    old.Dispose();
                    break;
            }
        }
        SetDType(dtype);
    }

    private void SetDType(DType dtype)
    {
        DType = dtype;
        foreach (var (_, item) in entries)
            if (item is Module m) m.SetDType(dtype);
    }

    /// <summary>The float dtype of this module's parameters (float32 unless converted).</summary>
    public DType DType { get; private set; } = DType.Float32;

    private static Tensor TensorOf(object item) => item switch
    {
        Parameter p => p.Value,
        BufferSlot b => b.Value,
        _ => throw new InvalidOperationException("unexpected state entry"),
    };

    /// <summary>Number of parameter elements, each shared parameter counted once.</summary>
    public long ParameterCount(bool trainableOnly = true) =>
        NamedParameters().Where(e => !trainableOnly || e.Parameter.Trainable).Sum(e => (long)e.Parameter.Value.Size);

    /// <summary>Fills every parameter by its <see cref="Parameter.Init"/>, with a seed derived from
    /// <paramref name="seed"/> and the parameter's name.</summary>
    public void Initialize(ulong seed)
    {
        foreach (var (name, p) in NamedParameters())
            p.Init.Apply(p.Value, CounterRng.Mix(seed, NameHash(name)));
    }

    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>A table of parameters and buffers: name, shape, count, group, trainable.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var (name, item) in Walk(""))
        {
            bool alias = !seen.Add(item);
            string kind = item switch
            {
                Parameter { Trainable: true } p => p.Group.ToString().ToLowerInvariant(),
                Parameter => "frozen",
                _ => "buffer",
            };
            var t = TensorOf(item);
            sb.AppendLine($"{name,-64} {t.Shape,-18} {t.Size,12:N0}  {kind}{(alias ? " (shared)" : "")}");
        }
        return sb.ToString();
    }

    private IEnumerable<(string Name, object Item)> Walk(string prefix)
    {
        foreach (var (name, item) in entries)
        {
            string full = prefix + name;
            object target = item is AliasEntry a ? a.Target : item;
            if (target is Module m)
            {
                foreach (var e in m.Walk(full + ".")) yield return e;
            }
            else yield return (full, target);
        }
    }

    /// <summary>FNV-1a over the name's UTF-16 code units: a stable 64-bit id per parameter name.</summary>
    private static ulong NameHash(string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in name)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var (_, item) in entries)
        {
            switch (item)
            {
                case Module m: m.Dispose(); break;
                case Parameter p: p.ZeroGrad(); p.Value.Dispose(); break;
                case BufferSlot b: b.Value.Dispose(); break;
            }
        }
        GC.SuppressFinalize(this);
    }

    private sealed record AliasEntry(object Target);
}
