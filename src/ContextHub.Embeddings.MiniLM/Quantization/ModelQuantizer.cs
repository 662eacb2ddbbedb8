using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace ContextHub.Embeddings.MiniLM.Quantization;

/// <summary>
/// Rewrites the float32 all-MiniLM-L6-v2 graph into one whose large weights are 8-bit integers, for ONNX Runtime's CPU
/// provider (about 23 MB of weights instead of 87 MB).
/// </summary>
/// <remarks>
/// Written here because nothing on .NET does it: ONNX Runtime's quantization tool is Python only, and the C# API
/// runs models but does not rewrite them. The rewrite is the usual dynamic quantization:
/// <list type="bullet">
/// <item>every MatMul whose second input is a constant float matrix [K, N] becomes ONNX Runtime's contrib op
/// <c>com.microsoft:DynamicQuantizeMatMul</c>, with the matrix stored as uint8 with one scale and zero point per column
/// (per-column ranges keep far more precision than one range for the whole matrix; uint8 rather than int8 weights
/// because the int8 kernels of CPUs without VNNI can saturate, which ONNX Runtime's own tool works around by
/// giving up a bit of range);</item>
/// <item>the word-embedding table (a Gather from a large constant) is stored as int8 with one scale per row, and only
/// the rows a batch looks up are turned back into floats (Gather, Cast, Mul): a DequantizeLinear of the whole table,
/// which ONNX Runtime 1.31 does not fold back into floats, would rebuild all 47 MB on every run (measured: ten times
/// the CPU of a short input's run);</item>
/// <item>outputs other than the first (the unused pooler) are dropped with the nodes only they need.</item>
/// </list>
/// Activations stay float; the quantized MatMuls quantize their input per call.
/// </remarks>
internal static class ModelQuantizer
{
    private const string MicrosoftDomain = "com.microsoft";

    /// <summary>Float tables at least this large (elements) that a Gather reads become int8 rows.</summary>
    private const long MinimumTableElements = 1 << 20;

    /// <summary>Reads the float model from <paramref name="floatModel"/> and returns the quantized model's bytes.</summary>
    public static byte[] Quantize(Stream floatModel)
    {
        ArgumentNullException.ThrowIfNull(floatModel);
        var model = ModelProto.Parser.ParseFrom(floatModel);
        Quantize(model);
        return model.ToByteArray();
    }

    /// <summary>Rewrites <paramref name="model"/> in place.</summary>
    public static void Quantize(ModelProto model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        KeepFirstOutputOnly(graph);
        var initializers = graph.Initializer.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var added = new List<TensorProto>();
        var nodes = new List<NodeProto>(graph.Node.Count);
        foreach (var node in graph.Node)
        {
            if (node.OpType == "MatMul" && node.Domain.Length == 0 && node.Input.Count == 2
                && initializers.TryGetValue(node.Input[1], out var weight) && IsFloatMatrix(weight))
            {
                nodes.Add(QuantizedMatMul(node, weight, added));
            }
            else if (node.OpType == "Gather" && node.Domain.Length == 0 && node.Input.Count == 2 && !HasAxis(node)
                && initializers.TryGetValue(node.Input[0], out var table) && IsFloatMatrix(table) && table.Dims[0] * table.Dims[1] >= MinimumTableElements)
            {
                nodes.AddRange(QuantizedLookup(node, table, added));
            }
            else
            {
                nodes.Add(node);
            }
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(added);
        RemoveUnused(graph);
        if (!model.OpsetImport.Any(o => o.Domain == MicrosoftDomain))
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }
    }

    private static NodeProto QuantizedMatMul(NodeProto node, TensorProto weight, List<TensorProto> added)
    {
        var rows = (int)weight.Dims[0];
        var columns = (int)weight.Dims[1];
        var values = ReadFloats(weight, out _);
        var quantized = new byte[values.Length];
        var scales = new float[columns];
        var zeroPoints = new byte[columns];
        for (var c = 0; c < columns; c++)
        {
            // The range always holds 0, so 0 is exact (ONNX Runtime's convention for weights).
            float min = 0, max = 0;
            for (var r = 0; r < rows; r++)
            {
                var v = values[(r * columns) + c];
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }

            var scale = max > min ? (max - min) / 255f : 1f;
            var zeroPoint = (int)Math.Clamp(MathF.Round(-min / scale), 0, 255);
            scales[c] = scale;
            zeroPoints[c] = (byte)zeroPoint;
            for (var r = 0; r < rows; r++)
            {
                var i = (r * columns) + c;
                quantized[i] = (byte)Math.Clamp((int)MathF.Round(values[i] / scale) + zeroPoint, 0, 255);
            }
        }

        var name = weight.Name;
        added.Add(Tensor(name + "_quantized", TensorProto.Types.DataType.Uint8, [rows, columns], quantized));
        added.Add(Tensor(name + "_scale", TensorProto.Types.DataType.Float, [columns], FloatBytes(scales)));
        added.Add(Tensor(name + "_zero_point", TensorProto.Types.DataType.Uint8, [columns], zeroPoints));
        var quantizedNode = new NodeProto
        {
            Name = (node.Name.Length > 0 ? node.Name : node.Output[0]) + "_quantized",
            OpType = "DynamicQuantizeMatMul",
            Domain = MicrosoftDomain,
        };
        quantizedNode.Input.Add([node.Input[0], name + "_quantized", name + "_scale", name + "_zero_point"]);
        quantizedNode.Output.Add(node.Output);
        return quantizedNode;
    }

    private static IEnumerable<NodeProto> QuantizedLookup(NodeProto node, TensorProto table, List<TensorProto> added)
    {
        var rows = (int)table.Dims[0];
        var width = (int)table.Dims[1];
        var values = ReadFloats(table, out _);
        var quantized = new byte[values.Length];
        var scales = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            var row = values.Slice(r * width, width);
            var largest = Math.Abs(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(row)); // the value, which may be negative
            var scale = largest > 0 ? largest / 127f : 1f;
            scales[r] = scale;
            for (var i = 0; i < width; i++)
            {
                quantized[(r * width) + i] = unchecked((byte)(sbyte)Math.Clamp((int)MathF.Round(row[i] / scale), -127, 127));
            }
        }

        var name = table.Name;
        var output = node.Output[0];
        var ids = node.Input[1];
        added.Add(Tensor(name + "_quantized", TensorProto.Types.DataType.Int8, [rows, width], quantized));
        added.Add(Tensor(name + "_scale", TensorProto.Types.DataType.Float, [rows, 1], FloatBytes(scales)));
        yield return Node("Gather", node.Name + "_quantized", [name + "_quantized", ids], output + "_quantized");
        yield return Node("Gather", node.Name + "_scale", [name + "_scale", ids], output + "_scale");
        var cast = Node("Cast", node.Name + "_cast", [output + "_quantized"], output + "_float");
        cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Float });
        yield return cast;
        yield return Node("Mul", node.Name + "_dequantize", [output + "_float", output + "_scale"], output);
    }

    private static void KeepFirstOutputOnly(GraphProto graph)
    {
        while (graph.Output.Count > 1)
        {
            graph.Output.RemoveAt(graph.Output.Count - 1);
        }
    }

    /// <summary>Drops the nodes no output needs, then the initializers and inputs no node reads.</summary>
    private static void RemoveUnused(GraphProto graph)
    {
        var needed = new HashSet<string>(graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        var kept = new List<NodeProto>();
        foreach (var node in graph.Node.Reverse())
        {
            if (node.Output.Any(needed.Contains))
            {
                kept.Add(node);
                foreach (var input in node.Input)
                {
                    needed.Add(input);
                }

                // Subgraphs (If, Loop) read outer names too; this model has none, but keep what they read.
                foreach (var attribute in node.Attribute.Where(a => a.G is not null))
                {
                    foreach (var inner in attribute.G.Node.SelectMany(n => n.Input))
                    {
                        needed.Add(inner);
                    }
                }
            }
        }

        kept.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        var unusedInitializers = graph.Initializer.Where(i => !needed.Contains(i.Name)).ToList();
        foreach (var initializer in unusedInitializers)
        {
            graph.Initializer.Remove(initializer);
        }

        var removed = unusedInitializers.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var input in graph.Input.Where(i => removed.Contains(i.Name)).ToList())
        {
            graph.Input.Remove(input);
        }
    }

    private static bool IsFloatMatrix(TensorProto tensor) =>
        tensor.DataType == (int)TensorProto.Types.DataType.Float && tensor.Dims.Count == 2 && tensor.Dims[0] > 0 && tensor.Dims[1] > 0
        && tensor.DataLocation != TensorProto.Types.DataLocation.External;

    private static bool HasAxis(NodeProto node) => node.Attribute.Any(a => a.Name == "axis" && a.I != 0);

    /// <summary>The tensor's floats: read in place from its raw bytes where the machine is little-endian (no 47 MB copy of the embedding table while loading).</summary>
    private static ReadOnlySpan<float> ReadFloats(TensorProto tensor, out float[]? copy)
    {
        copy = null;
        if (tensor.RawData.Length == 0)
        {
            copy = [.. tensor.FloatData];
            return copy;
        }

        var raw = tensor.RawData.Span;
        if (BitConverter.IsLittleEndian && raw.Length % sizeof(float) == 0)
        {
            return MemoryMarshal.Cast<byte, float>(raw);
        }

        copy = new float[raw.Length / sizeof(float)];
        for (var i = 0; i < copy.Length; i++)
        {
            copy[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
        }

        return copy;
    }

    private static byte[] FloatBytes(float[] values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }

        return bytes;
    }

    private static TensorProto Tensor(string name, TensorProto.Types.DataType type, long[] dims, byte[] raw)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(raw) };
        tensor.Dims.Add(dims);
        return tensor;
    }

    private static NodeProto Node(string opType, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(output);
        return node;
    }
}
