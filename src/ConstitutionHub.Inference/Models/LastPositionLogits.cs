using System.Buffers.Binary;
using System.Text;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// Rewrites a decoder so that it projects only the last position onto the vocabulary: a Slice of the sequence axis
/// goes in front of the MatMul that produces <c>logits</c> (through any Cast or Identity). Generation only ever reads
/// the last row, and for a prompt of n tokens the projection is about a fifth of the prefill work (a 3,000-token
/// vocabulary on a 256-wide model; more with a 150,000-token one). Decode steps are unchanged: with one position the
/// Slice is the identity. The rewrite works on the protobuf bytes: every other field is copied as it is.
/// </summary>
internal static class LastPositionLogits
{
    private const string Prefix = "/constitutionhub/last_position";

    /// <summary>The rewritten model, or null when the graph does not end in a MatMul producing logits.</summary>
    public static byte[]? TryRewrite(ReadOnlySpan<byte> model)
    {
        try
        {
            return Rewrite(model);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private sealed record Node(int Start, int End, string OpType, List<string> Inputs, List<string> Outputs);

    private static byte[]? Rewrite(ReadOnlySpan<byte> model)
    {
        var graphField = Fields(model).FirstOrDefault(f => f.Number == 7 && f.Wire == 2);
        if (graphField.Number == 0) return null;
        var graph = model[graphField.ValueStart..graphField.ValueEnd];

        var nodes = new List<Node>();
        foreach (var f in Fields(graph))
        {
            if (f.Number != 1 || f.Wire != 2) continue;
            var body = graph[f.ValueStart..f.ValueEnd];
            string op = "";
            var inputs = new List<string>();
            var outputs = new List<string>();
            foreach (var nf in Fields(body))
            {
                if (nf.Wire != 2) continue;
                string text = Encoding.UTF8.GetString(body[nf.ValueStart..nf.ValueEnd]);
                if (nf.Number == 1) inputs.Add(text);
                else if (nf.Number == 2) outputs.Add(text);
                else if (nf.Number == 4) op = text;
            }
            nodes.Add(new Node(f.TagStart, f.ValueEnd, op, inputs, outputs));
        }
        var producer = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            foreach (string o in n.Outputs) producer[o] = n;
        }
        if (!producer.TryGetValue("logits", out var node)) return null;
        while (node.OpType is "Cast" or "Identity" && node.Inputs.Count > 0 && producer.TryGetValue(node.Inputs[0], out var previous))
        {
            node = previous;
        }
        if (node.OpType != "MatMul" || node.Inputs.Count != 2) return null;

        // The graph: everything before the MatMul node, the Slice node, the MatMul with its first input renamed, the
        // rest, then the three constant inputs of the Slice as initializers.
        var newGraph = new MemoryStream(graph.Length + 4096);
        newGraph.Write(graph[..node.Start]);
        WriteMessage(newGraph, 1, SliceNode(node.Inputs[0]));
        WriteMessage(newGraph, 1, RenameFirstInput(graph[(node.Start + TagAndLengthSize(graph, node.Start))..node.End], Prefix));
        newGraph.Write(graph[node.End..]);
        WriteMessage(newGraph, 5, Int64Tensor(Prefix + "/starts", -1));
        WriteMessage(newGraph, 5, Int64Tensor(Prefix + "/ends", long.MaxValue));
        WriteMessage(newGraph, 5, Int64Tensor(Prefix + "/axes", 1));

        // One exact-size result: the weights are most of the bytes, so every extra copy is the size of the model.
        var header = new MemoryStream(16);
        WriteTag(header, 7, 2);
        WriteVarint(header, (ulong)newGraph.Length);
        var graphBytes = newGraph.GetBuffer().AsSpan(0, (int)newGraph.Length);
        var result = new byte[graphField.TagStart + header.Length + graphBytes.Length + (model.Length - graphField.ValueEnd)];
        int at = 0;
        model[..graphField.TagStart].CopyTo(result);
        at += graphField.TagStart;
        header.GetBuffer().AsSpan(0, (int)header.Length).CopyTo(result.AsSpan(at));
        at += (int)header.Length;
        graphBytes.CopyTo(result.AsSpan(at));
        at += graphBytes.Length;
        model[graphField.ValueEnd..].CopyTo(result.AsSpan(at));
        return result;
    }

    private static byte[] SliceNode(string input)
    {
        var node = new MemoryStream();
        foreach (string i in new[] { input, Prefix + "/starts", Prefix + "/ends", Prefix + "/axes" }) WriteString(node, 1, i);
        WriteString(node, 2, Prefix);
        WriteString(node, 3, Prefix + "/Slice");
        WriteString(node, 4, "Slice");
        return node.ToArray();
    }

    private static byte[] RenameFirstInput(ReadOnlySpan<byte> body, string name)
    {
        var node = new MemoryStream();
        bool renamed = false;
        foreach (var f in Fields(body))
        {
            if (!renamed && f.Number == 1 && f.Wire == 2)
            {
                WriteString(node, 1, name);
                renamed = true;
            }
            else
            {
                node.Write(body[f.TagStart..f.ValueEnd]);
            }
        }
        return node.ToArray();
    }

    private static byte[] Int64Tensor(string name, long value)
    {
        var tensor = new MemoryStream();
        WriteTag(tensor, 1, 0);
        WriteVarint(tensor, 1); // dims: [1]
        WriteTag(tensor, 2, 0);
        WriteVarint(tensor, 7); // data_type: INT64
        WriteString(tensor, 8, name);
        Span<byte> raw = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(raw, value);
        WriteTag(tensor, 9, 2);
        WriteVarint(tensor, 8);
        tensor.Write(raw); // raw_data
        return tensor.ToArray();
    }

    private readonly record struct Field(int Number, int Wire, int TagStart, int ValueStart, int ValueEnd);

    /// <summary>The top-level fields of a message (lengths checked against the buffer).</summary>
    private static List<Field> Fields(ReadOnlySpan<byte> message)
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

    private static int TagAndLengthSize(ReadOnlySpan<byte> message, int tagStart)
    {
        int pos = tagStart;
        ReadVarint(message, ref pos);
        ReadVarint(message, ref pos);
        return pos - tagStart;
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

    private static void WriteMessage(Stream s, int number, ReadOnlySpan<byte> body)
    {
        WriteTag(s, number, 2);
        WriteVarint(s, (ulong)body.Length);
        s.Write(body);
    }

    private static void WriteString(Stream s, int number, string value) => WriteMessage(s, number, Encoding.UTF8.GetBytes(value));

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
}
