using static ConstitutionHub.Inference.Models.OnnxBytes;

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

    private static byte[]? Rewrite(ReadOnlySpan<byte> model)
    {
        if (GraphOf(model) is not { } graphField) return null;
        var graph = model[graphField.ValueStart..graphField.ValueEnd];
        var producer = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in Nodes(graph))
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
        WriteMessage(newGraph, GraphNode, NodeBytes("Slice", Prefix + "/Slice", [node.Inputs[0], Prefix + "/starts", Prefix + "/ends", Prefix + "/axes"], [Prefix]));
        WriteMessage(newGraph, GraphNode, RenameFirstInput(graph[(node.Start + TagAndLengthSize(graph, node.Start))..node.End], Prefix));
        newGraph.Write(graph[node.End..]);
        WriteMessage(newGraph, GraphInitializer, Int64Initializer(Prefix + "/starts", -1));
        WriteMessage(newGraph, GraphInitializer, Int64Initializer(Prefix + "/ends", long.MaxValue));
        WriteMessage(newGraph, GraphInitializer, Int64Initializer(Prefix + "/axes", 1));
        return WithGraph(model, graphField, newGraph.GetBuffer().AsSpan(0, (int)newGraph.Length));
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
}
