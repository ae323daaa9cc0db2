using System.Buffers.Binary;
using System.Text;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// Just enough protobuf to rewrite an ONNX graph in place: read the fields of a message, the nodes of a graph (op type,
/// inputs, outputs, attributes), write nodes and int64 constants, and splice a new graph into the model. Every field
/// a rewrite does not touch (weights above all) is copied as it is.
/// </summary>
internal static class OnnxBytes
{
    public readonly record struct Field(int Number, int Wire, int TagStart, int ValueStart, int ValueEnd);

    /// <summary>A node of the graph: where its bytes are (the whole field, tag included) and what it connects.</summary>
    public sealed record Node(int Start, int End, int BodyStart, string OpType, List<string> Inputs, List<string> Outputs);

    // ModelProto.graph, GraphProto.node / initializer / input / output, NodeProto fields, TensorProto fields.
    public const int ModelGraph = 7, GraphNode = 1, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;

    /// <summary>The top-level fields of a message (lengths checked against the buffer).</summary>
    public static List<Field> Fields(ReadOnlySpan<byte> message)
    {
        var fields = new List<Field>();
        int pos = 0;
        while (pos < message.Length)
        {
            int tagStart = pos;
            ulong tag = ReadVarint(message, ref pos);
            int number = (int)(tag >> 3), wire = (int)(tag & 7);
            int valueStart = pos;
            switch (wire)
            {
                case 0: ReadVarint(message, ref pos); break;
                case 1: pos += 8; break;
                case 5: pos += 4; break;
                case 2:
                    ulong length = ReadVarint(message, ref pos);
                    if (length > (ulong)(message.Length - pos)) throw new InvalidDataException("length past the end");
                    valueStart = pos;
                    pos += (int)length;
                    break;
                default: throw new InvalidDataException("wire type");
            }
            if (pos > message.Length || number == 0) throw new InvalidDataException("truncated");
            fields.Add(new Field(number, wire, tagStart, valueStart, pos));
        }
        return fields;
    }

    /// <summary>The graph field of a model, or null.</summary>
    public static Field? GraphOf(ReadOnlySpan<byte> model)
    {
        foreach (var f in Fields(model))
        {
            if (f.Number == ModelGraph && f.Wire == 2) return f;
        }
        return null;
    }

    public static List<Node> Nodes(ReadOnlySpan<byte> graph)
    {
        var nodes = new List<Node>();
        foreach (var f in Fields(graph))
        {
            if (f.Number != GraphNode || f.Wire != 2) continue;
            var body = graph[f.ValueStart..f.ValueEnd];
            string op = "";
            var inputs = new List<string>();
            var outputs = new List<string>();
            foreach (var nf in Fields(body))
            {
                if (nf.Wire != 2) continue;
                if (nf.Number == 1) inputs.Add(Text(body, nf));
                else if (nf.Number == 2) outputs.Add(Text(body, nf));
                else if (nf.Number == 4) op = Text(body, nf);
            }
            nodes.Add(new Node(f.TagStart, f.ValueEnd, f.ValueStart, op, inputs, outputs));
        }
        return nodes;
    }

    /// <summary>The int64 list of a node's attribute (ints, or a tensor for Constant's "value"), or null.</summary>
    public static long[]? Int64Attribute(ReadOnlySpan<byte> graph, Node node, string name)
    {
        var body = graph[node.BodyStart..node.End];
        foreach (var f in Fields(body))
        {
            if (f.Number != 5 || f.Wire != 2) continue;
            var attribute = body[f.ValueStart..f.ValueEnd];
            var fields = Fields(attribute);
            bool named = false;
            foreach (var a in fields) named |= a.Number == 1 && a.Wire == 2 && Text(attribute, a) == name;
            if (!named) continue;
            foreach (var a in fields)
            {
                if (a.Number == 5 && a.Wire == 2) return Int64Tensor(attribute[a.ValueStart..a.ValueEnd]); // t
            }
            return Int64s(attribute, fields, 8); // ints
        }
        return null;
    }

    /// <summary>The values of an int64 TensorProto (int64_data, packed or not, or raw_data), or null for another type.</summary>
    public static long[]? Int64Tensor(ReadOnlySpan<byte> tensor)
    {
        var fields = Fields(tensor);
        var type = fields.FirstOrDefault(f => f.Number == 2 && f.Wire == 0);
        if (type.Number == 0) return null;
        int at = type.ValueStart;
        if (ReadVarint(tensor, ref at) != 7) return null; // INT64
        foreach (var f in fields)
        {
            if (f.Number == 9 && f.Wire == 2)
            {
                var raw = tensor[f.ValueStart..f.ValueEnd];
                var values = new long[raw.Length / 8];
                for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadInt64LittleEndian(raw[(i * 8)..]);
                return values;
            }
        }
        return Int64s(tensor, fields, 7);
    }

    /// <summary>The name of a TensorProto (initializers) or ValueInfoProto (inputs, outputs).</summary>
    public static string? NameOf(ReadOnlySpan<byte> message, int nameField)
    {
        foreach (var f in Fields(message))
        {
            if (f.Number == nameField && f.Wire == 2) return Text(message, f);
        }
        return null;
    }

    /// <summary>The fixed sizes of a graph input's dimensions (-1 where the dimension is symbolic), or null.</summary>
    public static long[]? InputDimensions(ReadOnlySpan<byte> graph, string name)
    {
        foreach (var f in Fields(graph))
        {
            if (f.Number != GraphInput || f.Wire != 2) continue;
            var info = graph[f.ValueStart..f.ValueEnd];
            if (NameOf(info, 1) != name) continue;
            var type = Child(info, 2);
            var tensor = type.IsEmpty ? type : Child(type, 1);
            var shape = tensor.IsEmpty ? tensor : Child(tensor, 2);
            if (shape.IsEmpty) return null;
            var dims = new List<long>();
            foreach (var d in Fields(shape))
            {
                if (d.Number != 1 || d.Wire != 2) continue;
                var dim = shape[d.ValueStart..d.ValueEnd];
                long size = -1;
                foreach (var v in Fields(dim))
                {
                    if (v.Number != 1 || v.Wire != 0) continue;
                    int at = v.ValueStart;
                    size = (long)ReadVarint(dim, ref at);
                }
                dims.Add(size);
            }
            return [.. dims];
        }
        return null;
    }

    public static byte[] NodeBytes(string op, string name, IEnumerable<string> inputs, IEnumerable<string> outputs, byte[]? attribute = null)
    {
        var node = new MemoryStream();
        foreach (string i in inputs) WriteString(node, 1, i);
        foreach (string o in outputs) WriteString(node, 2, o);
        WriteString(node, 3, name);
        WriteString(node, 4, op);
        if (attribute is not null) WriteMessage(node, 5, attribute);
        return node.ToArray();
    }

    /// <summary>An AttributeProto of type INTS.</summary>
    public static byte[] IntsAttribute(string name, IEnumerable<long> values)
    {
        var attribute = new MemoryStream();
        WriteString(attribute, 1, name);
        foreach (long v in values)
        {
            WriteTag(attribute, 8, 0);
            WriteVarint(attribute, (ulong)v);
        }
        WriteTag(attribute, 20, 0);
        WriteVarint(attribute, 7); // AttributeType.INTS
        return attribute.ToArray();
    }

    /// <summary>An AttributeProto of type INT.</summary>
    public static byte[] IntAttribute(string name, long value)
    {
        var attribute = new MemoryStream();
        WriteString(attribute, 1, name);
        WriteTag(attribute, 3, 0);
        WriteVarint(attribute, (ulong)value);
        WriteTag(attribute, 20, 0);
        WriteVarint(attribute, 2); // AttributeType.INT
        return attribute.ToArray();
    }

    /// <summary>A one-dimensional int64 initializer.</summary>
    public static byte[] Int64Initializer(string name, params long[] values)
    {
        var tensor = new MemoryStream();
        WriteTag(tensor, 1, 0);
        WriteVarint(tensor, (ulong)values.Length); // dims: [n]
        WriteTag(tensor, 2, 0);
        WriteVarint(tensor, 7); // data_type: INT64
        WriteString(tensor, 8, name);
        var raw = new byte[8 * values.Length];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(i * 8), values[i]);
        WriteMessage(tensor, 9, raw); // raw_data
        return tensor.ToArray();
    }

    /// <summary>The model with its graph replaced, in one exact-size array (the weights are most of the bytes).</summary>
    public static byte[] WithGraph(ReadOnlySpan<byte> model, Field graphField, ReadOnlySpan<byte> graph)
    {
        var header = new MemoryStream(16);
        WriteTag(header, ModelGraph, 2);
        WriteVarint(header, (ulong)graph.Length);
        var result = new byte[graphField.TagStart + header.Length + graph.Length + (model.Length - graphField.ValueEnd)];
        int at = 0;
        model[..graphField.TagStart].CopyTo(result);
        at += graphField.TagStart;
        header.GetBuffer().AsSpan(0, (int)header.Length).CopyTo(result.AsSpan(at));
        at += (int)header.Length;
        graph.CopyTo(result.AsSpan(at));
        at += graph.Length;
        model[graphField.ValueEnd..].CopyTo(result.AsSpan(at));
        return result;
    }

    public static int TagAndLengthSize(ReadOnlySpan<byte> message, int tagStart)
    {
        int pos = tagStart;
        ReadVarint(message, ref pos);
        ReadVarint(message, ref pos);
        return pos - tagStart;
    }

    public static void WriteMessage(Stream s, int number, ReadOnlySpan<byte> body)
    {
        WriteTag(s, number, 2);
        WriteVarint(s, (ulong)body.Length);
        s.Write(body);
    }

    public static void WriteString(Stream s, int number, string value) => WriteMessage(s, number, Encoding.UTF8.GetBytes(value));

    private static void WriteTag(Stream s, int number, int wire) => WriteVarint(s, (ulong)((number << 3) | wire));

    private static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (pos >= data.Length) throw new InvalidDataException("truncated varint");
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InvalidDataException("varint too long");
    }

    private static string Text(ReadOnlySpan<byte> message, Field f) => Encoding.UTF8.GetString(message[f.ValueStart..f.ValueEnd]);

    /// <summary>The first length-delimited field <paramref name="number"/> of a message, or empty.</summary>
    private static ReadOnlySpan<byte> Child(ReadOnlySpan<byte> message, int number)
    {
        foreach (var f in Fields(message))
        {
            if (f.Number == number && f.Wire == 2) return message[f.ValueStart..f.ValueEnd];
        }
        return [];
    }

    /// <summary>A repeated int64 field, packed (wire 2) or not (wire 0).</summary>
    private static long[] Int64s(ReadOnlySpan<byte> message, List<Field> fields, int number)
    {
        var values = new List<long>();
        foreach (var f in fields)
        {
            if (f.Number != number) continue;
            if (f.Wire == 0)
            {
                int at = f.ValueStart;
                values.Add((long)ReadVarint(message, ref at));
            }
            else if (f.Wire == 2)
            {
                int at = f.ValueStart;
                while (at < f.ValueEnd) values.Add((long)ReadVarint(message, ref at));
            }
        }
        return [.. values];
    }
}
