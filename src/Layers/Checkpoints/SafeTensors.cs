using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace HyenaIL.Layers;

/// <summary>
/// One tensor read from a safetensors file, with its stored <see cref="DType"/>. A float tensor has its values in
/// float32 (<see cref="Data"/>): F32 as stored, F16 and BF16 widened exactly, F64 rounded to nearest
/// (<see cref="IsConverted"/>). A tensor of any other dtype (integers, booleans, 8-bit floats) is kept by name,
/// dtype and shape only: no HyenaIL tensor can take it, and loading refuses it by name.
/// </summary>
public sealed record StoredTensor(string Name, string DType, Shape Shape, float[]? Values)
{
    /// <summary>The float dtypes HyenaIL reads; F32 is what it writes.</summary>
    public static IReadOnlyList<string> FloatDTypes { get; } = ["F32", "F16", "BF16", "F64"];

    /// <summary>Whether the stored dtype is one of <see cref="FloatDTypes"/>.</summary>
    public bool IsFloat => Values is not null;

    /// <summary>Whether the values were converted to float32 from another float dtype.</summary>
    public bool IsConverted => IsFloat && DType != "F32";

    /// <summary>The values in float32; throws for a tensor that is not of a float dtype.</summary>
    public float[] Data => Values ?? throw new InvalidOperationException(
        $"safetensors: tensor '{Name}' has dtype {DType}, not a float dtype ({string.Join(", ", FloatDTypes)}); it has no float32 values");
}

/// <summary>A checkpoint file that could not be read: truncated, corrupt, or not what was expected. The message
/// names the file and what is wrong with it.</summary>
public sealed class CheckpointException(string message) : Exception(message);

/// <summary>
/// The safetensors format (huggingface/safetensors), written here: an 8-byte little-endian header length N, N bytes
/// of JSON (<c>{"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}</c>), then
/// the tensors' bytes, little-endian, at the given offsets from the end of the header. HyenaIL writes F32. It
/// reads every safetensors dtype's layout, so that any valid file can be opened and checked; the float ones (F32,
/// and F16, BF16 and F64 converted to float32) come with their values, the others by name, dtype and shape
/// only (see <see cref="StoredTensor"/>).
/// </summary>
public static class SafeTensors
{
    /// <summary>Headers larger than this are refused as corrupt (the format's own limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// Writes the tensors and metadata to <paramref name="path"/> atomically: to a temporary file in the same
    /// folder, flushed to disk, then renamed over the target. A crash at any moment leaves either the old file or
    /// the new one, never a half-written one.
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        var header = new JsonObject();
        var meta = new JsonObject();
        foreach (var (k, v) in metadata) meta[k] = v;
        header["__metadata__"] = meta;
        long offset = 0;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, t) in tensors)
        {
            if (!names.Add(name)) throw new ArgumentException($"safetensors: the name '{name}' appears twice");
            if (name == "__metadata__") throw new ArgumentException("safetensors: '__metadata__' is reserved");
            long bytes = (long)t.Size * 4;
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int pad = (8 - json.Length % 8) % 8; // the format aligns the data to 8 bytes with spaces
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)(json.Length + pad));
                fs.Write(len);
                fs.Write(json);
                for (int i = 0; i < pad; i++) fs.WriteByte((byte)' ');
                foreach (var (_, t) in tensors)
                {
                    var data = t.ToFloatArray();
                    if (!BitConverter.IsLittleEndian)
                        for (int i = 0; i < data.Length; i++) data[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReverseEndianness(BitConverter.SingleToInt32Bits(data[i])));
                    fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
                }
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Reads and validates a whole file: header, offsets, sizes and dtypes. Nothing is returned unless all of
    /// it is valid.</summary>
    public static (IReadOnlyList<StoredTensor> Tensors, IReadOnlyDictionary<string, string> Metadata) Read(string path)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            throw new CheckpointException($"checkpoint {path}: no such file");
        }
        catch (DirectoryNotFoundException)
        {
            throw new CheckpointException($"checkpoint {path}: no such file");
        }
        if (file.Length < 8)
            throw new CheckpointException($"checkpoint {path}: {file.Length} bytes is too short for a safetensors file (truncated?)");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > MaxHeaderBytes || (long)n > file.Length - 8)
            throw new CheckpointException($"checkpoint {path}: the header claims {n} bytes but the file has {file.Length - 8} after the length field (truncated or not safetensors)");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(file.AsSpan(8, (int)n)) as JsonObject
                     ?? throw new CheckpointException($"checkpoint {path}: the header is not a JSON object (corrupt)");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"checkpoint {path}: the header is not valid JSON (corrupt): {e.Message}");
        }
        long dataStart = 8 + (long)n, dataLength = file.Length - dataStart;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<StoredTensor>();
        var ranges = new List<(long Begin, long End, string Name)>();
        foreach (var (name, node) in header)
        {
            if (name == "__metadata__")
            {
                if (node is not JsonObject mo) throw new CheckpointException($"checkpoint {path}: __metadata__ is not an object (corrupt)");
                foreach (var (k, v) in mo)
                    metadata[k] = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s
                        : throw new CheckpointException($"checkpoint {path}: metadata value '{k}' is not a string (corrupt)");
                continue;
            }
            var (dtype, shape, begin, end) = Entry(path, name, node);
            int itemSize = ItemSize(path, name, dtype);
            long expected = (long)shape.Size * itemSize;
            if (begin < 0 || end < begin || end > dataLength)
                throw new CheckpointException($"checkpoint {path}: tensor '{name}' spans bytes [{begin}, {end}) but the data section has {dataLength} (truncated?)");
            if (end - begin != expected)
                throw new CheckpointException($"checkpoint {path}: tensor '{name}' of shape {shape} and dtype {dtype} needs {expected} bytes, its offsets span {end - begin} (corrupt)");
            ranges.Add((begin, end, name));
            tensors.Add(new StoredTensor(name, dtype, shape, Decode(file.AsSpan((int)(dataStart + begin), (int)(end - begin)), dtype)));
        }
        ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        for (int i = 1; i < ranges.Count; i++)
            if (ranges[i].Begin < ranges[i - 1].End)
                throw new CheckpointException($"checkpoint {path}: tensors '{ranges[i - 1].Name}' and '{ranges[i].Name}' overlap (corrupt)");
        return (tensors, metadata);
    }

    private static (string DType, Shape Shape, long Begin, long End) Entry(string path, string name, JsonNode? node)
    {
        try
        {
            var o = (JsonObject)node!;
            string dtype = o["dtype"]!.GetValue<string>();
            var dims = o["shape"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
            var off = o["data_offsets"]!.AsArray();
            if (off.Count != 2) throw new FormatException("data_offsets needs two numbers");
            // A shape with a zero dimension holds nothing; HyenaIL tensors have none, so it cannot belong to a model.
            return (dtype, dims.Length == 0 ? Shape.Scalar : new Shape(dims), off[0]!.GetValue<long>(), off[1]!.GetValue<long>());
        }
        catch (Exception e) when (e is InvalidCastException or NullReferenceException or FormatException or InvalidOperationException or ArgumentException)
        {
            throw new CheckpointException($"checkpoint {path}: the header entry for '{name}' is malformed (corrupt): {e.Message}");
        }
    }

    private static int ItemSize(string path, string name, string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "BOOL" or "U8" or "I8" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => throw new CheckpointException($"checkpoint {path}: tensor '{name}' has dtype '{dtype}', which is not a safetensors dtype (corrupt or from a newer format); HyenaIL reads {string.Join(", ", StoredTensor.FloatDTypes)}"),
    };

    /// <summary>The values of a float tensor in float32; null for any other dtype.</summary>
    private static float[]? Decode(ReadOnlySpan<byte> bytes, string dtype)
    {
        switch (dtype)
        {
            case "F32":
            {
                var r = new float[bytes.Length / 4];
                for (int i = 0; i < r.Length; i++) r[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                return r;
            }
            case "F64":
            {
                var r = new float[bytes.Length / 8];
                for (int i = 0; i < r.Length; i++) r[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                return r;
            }
            case "F16":
            {
                var r = new float[bytes.Length / 2];
                for (int i = 0; i < r.Length; i++) r[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                return r;
            }
            case "BF16":
            {
                var r = new float[bytes.Length / 2];
                for (int i = 0; i < r.Length; i++)
                    r[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                return r;
            }
            default:
                return null;
        }
    }
}
