namespace ConstitutionHub.Inference.Models;

/// <summary>What the scanner needs from an .onnx file without loading it: parameter count and external data files.</summary>
/// <param name="ParameterCount">Sum of the element counts of the main graph's initializers.</param>
/// <param name="ExternalDataLocations">Every external_data "location" of any tensor, nested graphs included.</param>
public sealed record OnnxFileFacts(long ParameterCount, IReadOnlyList<string> ExternalDataLocations, int InitializerCount);

/// <summary>
/// A streaming walk over the protobuf wire format of an ONNX ModelProto. Only the fields that locate tensors are
/// decoded (ModelProto.graph, GraphProto.initializer/node/sparse_initializer, NodeProto.attribute,
/// AttributeProto.t/g/tensors/graphs, TensorProto.dims/external_data); everything else, weights included, is skipped
/// by seeking, so a multi-gigabyte file costs a few reads. The file is untrusted: lengths are checked against the
/// enclosing message and nesting is bounded.
/// </summary>
public static class OnnxProtoWalker
{
    private const int MaxDepth = 32;

    // Field numbers from onnx.proto3.
    private const int ModelGraph = 7, ModelFunctions = 25;
    private const int GraphNode = 1, GraphInitializer = 5, GraphSparseInitializer = 15;
    private const int FunctionNode = 7;
    private const int NodeAttribute = 5;
    private const int AttributeTensor = 5, AttributeGraph = 6, AttributeTensors = 10, AttributeGraphs = 11, AttributeSparseTensor = 22, AttributeSparseTensors = 23;
    private const int TensorDims = 1, TensorExternalData = 13;
    private const int SparseValues = 1, SparseIndices = 2;
    private const int EntryKey = 1, EntryValue = 2;

    public static OnnxFileFacts Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Read(stream);
    }

    public static OnnxFileFacts Read(Stream stream)
    {
        var walker = new Walker(stream);
        try
        {
            walker.Model(stream.Length);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The ONNX file is truncated.", e);
        }
        if (!walker.SawGraph) throw new InvalidDataException("The file is not an ONNX model (no graph).");
        return new OnnxFileFacts(walker.Parameters, walker.Locations, walker.Initializers);
    }

    private sealed class Walker(Stream stream)
    {
        public long Parameters;
        public int Initializers;
        public bool SawGraph;
        public List<string> Locations { get; } = [];

        public void Model(long end)
        {
            while (stream.Position < end)
            {
                var (field, wire) = Tag();
                if (field == ModelGraph && wire == 2) { SawGraph = true; Graph(SubEnd(end), 0, topLevel: true); }
                else if (field == ModelFunctions && wire == 2) Function(SubEnd(end), 0);
                else Skip(wire, end);
            }
        }

        private void Graph(long end, int depth, bool topLevel)
        {
            Deeper(depth);
            while (stream.Position < end)
            {
                var (field, wire) = Tag();
                if (field == GraphInitializer && wire == 2)
                {
                    long count = Tensor(SubEnd(end));
                    if (topLevel) { Parameters = checked(Parameters + count); Initializers++; }
                }
                else if (field == GraphSparseInitializer && wire == 2) Sparse(SubEnd(end));
                else if (field == GraphNode && wire == 2) Node(SubEnd(end), depth);
                else Skip(wire, end);
            }
        }

        private void Function(long end, int depth)
        {
            while (stream.Position < end)
            {
                var (field, wire) = Tag();
                if (field == FunctionNode && wire == 2) Node(SubEnd(end), depth);
                else Skip(wire, end);
            }
        }

        private void Node(long end, int depth)
        {
            while (stream.Position < end)
            {
                var (field, wire) = Tag();
                if (field == NodeAttribute && wire == 2) Attribute(SubEnd(end), depth);
                else Skip(wire, end);
            }
        }

        private void Attribute(long end, int depth)
        {
            while (stream.Position < end)
            {
                var (field, wire) = Tag();
                if (wire != 2) { Skip(wire, end); continue; }
                long sub = SubEnd(end);
                switch (field)
                {
                    case AttributeTensor or AttributeTensors: Tensor(sub); break;
                    case AttributeGraph or AttributeGraphs: Graph(sub, depth + 1, topLevel: false); break;
                    case AttributeSparseTensor or AttributeSparseTensors: Sparse(sub); break;
                    default: stream.Position = sub; break;
                }
            }
        }

        private void Sparse(long end)
        {
            while (stream.Position < end)
            {
                var (field, wire) = Tag();
                if (field is SparseValues or SparseIndices && wire == 2) Tensor(SubEnd(end));
                else Skip(wire, end);
            }
        }

        /// <summary>Reads dims and external_data; returns the element count.</summary>
        private long Tensor(long end)
        {
            long count = 1;
            while (stream.Position < end)
            {
                var (field, wire) = Tag();
                if (field == TensorDims && wire == 0)
                {
                    count = Multiply(count, (long)Varint());
                }
                else if (field == TensorDims && wire == 2)
                {
                    long packedEnd = SubEnd(end);
                    while (stream.Position < packedEnd) count = Multiply(count, (long)Varint());
                }
                else if (field == TensorExternalData && wire == 2)
                {
                    Entry(SubEnd(end));
                }
                else Skip(wire, end);
            }
            return count;
        }

        private void Entry(long end)
        {
            string? key = null, value = null;
            while (stream.Position < end)
            {
                var (field, wire) = Tag();
                if (field is EntryKey or EntryValue && wire == 2)
                {
                    long sub = SubEnd(end);
                    if (sub - stream.Position > 4096) throw new InvalidDataException("An external_data entry is too long.");
                    var bytes = new byte[sub - stream.Position];
                    stream.ReadExactly(bytes);
                    string text = System.Text.Encoding.UTF8.GetString(bytes);
                    if (field == EntryKey) key = text; else value = text;
                }
                else Skip(wire, end);
            }
            if (key == "location" && value is not null) Locations.Add(value);
        }

        private static long Multiply(long count, long dim)
        {
            if (dim < 0) throw new InvalidDataException("A tensor has a negative dimension.");
            try { return checked(count * dim); }
            catch (OverflowException) { throw new InvalidDataException("A tensor's element count overflows."); }
        }

        private static void Deeper(int depth)
        {
            if (depth > MaxDepth) throw new InvalidDataException($"Graphs nest more than {MaxDepth} levels deep.");
        }

        private (int Field, int Wire) Tag()
        {
            ulong tag = Varint();
            int field = (int)(tag >> 3);
            if (field == 0) throw new InvalidDataException("The file is not an ONNX model (invalid protobuf field 0).");
            return (field, (int)(tag & 7));
        }

        private long SubEnd(long end)
        {
            ulong length = Varint();
            long sub = stream.Position + (long)length;
            if (length > long.MaxValue / 2 || sub > end) throw new InvalidDataException("The file is not an ONNX model (a length runs past its message).");
            return sub;
        }

        private void Skip(int wire, long end)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: Seek(8, end); break;
                case 2: stream.Position = SubEnd(end); break;
                case 5: Seek(4, end); break;
                default: throw new InvalidDataException($"The file is not an ONNX model (protobuf wire type {wire}).");
            }
        }

        private void Seek(long bytes, long end)
        {
            if (stream.Position + bytes > end) throw new InvalidDataException("The file is not an ONNX model (a field runs past its message).");
            stream.Position += bytes;
        }

        private ulong Varint()
        {
            ulong result = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                int b = stream.ReadByte();
                if (b < 0) throw new EndOfStreamException();
                result |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return result;
            }
            throw new InvalidDataException("The file is not an ONNX model (a varint is longer than 10 bytes).");
        }
    }
}
