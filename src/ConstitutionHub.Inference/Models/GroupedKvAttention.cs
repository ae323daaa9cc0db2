using static ConstitutionHub.Inference.Models.OnnxBytes;

namespace ConstitutionHub.Inference.Models;

/// <summary>
/// Rewrites grouped-query attention so that the KV cache is no longer repeated for every query head. Exports of
/// transformers' <c>repeat_kv</c> (Unsqueeze at axis 2, Expand, Reshape to [batch, heads, positions, head_dim]) copy
/// the whole cache of a layer <c>heads / kv_heads</c> times on every step and then read those copies in the two
/// attention MatMuls (scores, through a Transpose, and the weighted values): with several rows and a long context that
/// copying is most of a decode step. The rewrite groups instead the query heads that share a KV head:
/// <code>
///   A [batch, heads, s, n]  -- Reshape [0, kv_heads, -1, 0] (no copy) --> [batch, kv_heads, groups * s, n]
///   MatMul with the cache itself ([batch, kv_heads, positions, head_dim], or its Transpose)
///   Reshape to A's first three dimensions and the product's last --> [batch, heads, s, m]
/// </code>
/// Each product is the same dot product over the same elements as before, so the results equal the original graph's.
/// The nodes only the repeat fed (and the shape arithmetic behind them) are dropped, since the runtime would still run
/// them. Nothing else changes: names, inputs and outputs stay, so a graph without the pattern comes back as null.
/// </summary>
internal static class GroupedKvAttention
{
    private const string Prefix = "/constitutionhub/grouped_kv";

    /// <summary>The rewritten model, or null when the graph holds no repeated KV heads this rewrite recognises.</summary>
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

    /// <summary>A MatMul reading a repeated cache as its second input, and how to read the cache itself.</summary>
    private sealed record Target(Node MatMul, string Cache, bool Transposed);

    private static byte[]? Rewrite(ReadOnlySpan<byte> model)
    {
        if (GraphOf(model) is not { } graphField) return null;
        var graph = model[graphField.ValueStart..graphField.ValueEnd];
        // The KV heads come from the graph's own cache input, never from config.json.
        if (InputDimensions(graph, "past_key_values.0.key") is not [_, > 0 and var kvHeads, _, _]) return null;

        var nodes = Nodes(graph);
        var producer = new Dictionary<string, Node>(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<Node>>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            foreach (string o in n.Outputs) producer[o] = n;
            foreach (string i in n.Inputs) (consumers.TryGetValue(i, out var list) ? list : consumers[i] = []).Add(n);
        }
        var graphOutputs = GraphOutputs(graph);
        var constants = Int64Initializers(graph);

        var targets = new List<Target>();
        foreach (var reshape in nodes)
        {
            if (reshape.OpType == "Reshape" && RepeatedCache(graph, reshape, producer, constants) is { } cache &&
                Readers(reshape.Outputs[0], cache, graph, consumers, graphOutputs) is { } readers)
            {
                targets.AddRange(readers);
            }
        }
        if (targets.Count == 0) return null;

        var replaced = targets.ToDictionary(t => t.MatMul.Start);
        var newNodes = new Dictionary<int, List<byte[]>>();
        for (int i = 0; i < targets.Count; i++) newNodes[targets[i].MatMul.Start] = Grouped(targets[i], $"{Prefix}/{i}");
        var dead = DeadNodes(nodes, targets, graphOutputs);

        var newGraph = new MemoryStream(graph.Length + 8192);
        int copied = 0;
        foreach (var n in nodes)
        {
            if (!replaced.ContainsKey(n.Start) && !dead.Contains(n.Start)) continue;
            newGraph.Write(graph[copied..n.Start]);
            if (newNodes.TryGetValue(n.Start, out var grouped))
            {
                foreach (var bytes in grouped) WriteMessage(newGraph, GraphNode, bytes);
            }
            copied = n.End;
        }
        newGraph.Write(graph[copied..]);
        WriteMessage(newGraph, GraphInitializer, Int64Initializer(Prefix + "/grouped_shape", 0, kvHeads, -1, 0));
        WriteMessage(newGraph, GraphInitializer, Int64Initializer(Prefix + "/zero", 0));
        WriteMessage(newGraph, GraphInitializer, Int64Initializer(Prefix + "/three", 3));
        WriteMessage(newGraph, GraphInitializer, Int64Initializer(Prefix + "/minus_one", -1));
        return WithGraph(model, graphField, newGraph.GetBuffer().AsSpan(0, (int)newGraph.Length));
    }

    /// <summary>The cache a Reshape repeats (Reshape(Expand(Unsqueeze(cache, axis 2)))), or null.</summary>
    private static string? RepeatedCache(ReadOnlySpan<byte> graph, Node reshape, Dictionary<string, Node> producer, Dictionary<string, long[]> constants)
    {
        if (!producer.TryGetValue(reshape.Inputs[0], out var expand) || expand.OpType != "Expand") return null;
        if (!producer.TryGetValue(expand.Inputs[0], out var unsqueeze) || unsqueeze.OpType != "Unsqueeze") return null;
        // Unsqueeze takes its axes as an input from opset 13 (an initializer or a Constant node), as an attribute before.
        long[]? axes;
        if (unsqueeze.Inputs.Count < 2) axes = Int64Attribute(graph, unsqueeze, "axes");
        else if (constants.TryGetValue(unsqueeze.Inputs[1], out var values)) axes = values;
        else axes = producer.TryGetValue(unsqueeze.Inputs[1], out var p) && p.OpType == "Constant" ? Int64Attribute(graph, p, "value") : null;
        return axes is [2] ? unsqueeze.Inputs[0] : null;
    }

    /// <summary>
    /// The MatMuls that read the repeated cache as their second input, directly or through a Transpose of the last two
    /// axes; null if anything else reads it (then the repeat stays).
    /// </summary>
    private static List<Target>? Readers(string repeated, string cache, ReadOnlySpan<byte> graph, Dictionary<string, List<Node>> consumers, HashSet<string> graphOutputs)
    {
        if (graphOutputs.Contains(repeated) || !consumers.TryGetValue(repeated, out var readers)) return null;
        var targets = new List<Target>();
        foreach (var reader in readers)
        {
            if (IsSecondInputOfMatMul(reader, repeated))
            {
                targets.Add(new Target(reader, cache, Transposed: false));
            }
            else if (reader.OpType == "Transpose" && Int64Attribute(graph, reader, "perm") is [0, 1, 3, 2] &&
                     !graphOutputs.Contains(reader.Outputs[0]) && consumers.TryGetValue(reader.Outputs[0], out var next) &&
                     next.All(m => IsSecondInputOfMatMul(m, reader.Outputs[0])))
            {
                targets.AddRange(next.Select(m => new Target(m, cache, Transposed: true)));
            }
            else
            {
                return null;
            }
        }
        return targets;
    }

    private static bool IsSecondInputOfMatMul(Node node, string name) =>
        node.OpType == "MatMul" && node.Inputs.Count == 2 && node.Inputs[1] == name && node.Inputs[0] != name;

    /// <summary>The nodes that take a MatMul's place: its product computed per KV head, shaped as before.</summary>
    private static List<byte[]> Grouped(Target target, string p)
    {
        string a = target.MatMul.Inputs[0], output = target.MatMul.Outputs[0];
        var nodes = new List<byte[]>();
        string cache = target.Cache;
        if (target.Transposed)
        {
            nodes.Add(NodeBytes("Transpose", p + "/Transpose", [cache], [p + "/cache_t"], IntsAttribute("perm", [0, 1, 3, 2])));
            cache = p + "/cache_t";
        }
        nodes.Add(NodeBytes("Reshape", p + "/Reshape_in", [a, Prefix + "/grouped_shape"], [p + "/a"]));
        nodes.Add(NodeBytes("MatMul", p + "/MatMul", [p + "/a", cache], [p + "/product"]));
        // [batch, heads, s] from A, the last dimension from the product.
        nodes.Add(NodeBytes("Shape", p + "/Shape", [a], [p + "/a_shape"]));
        nodes.Add(NodeBytes("Slice", p + "/Slice", [p + "/a_shape", Prefix + "/zero", Prefix + "/three"], [p + "/leading"]));
        nodes.Add(NodeBytes("Concat", p + "/Concat", [p + "/leading", Prefix + "/minus_one"], [p + "/shape"], ConcatAxis0));
        nodes.Add(NodeBytes("Reshape", p + "/Reshape_out", [p + "/product", p + "/shape"], [output]));
        return nodes;
    }

    private static readonly byte[] ConcatAxis0 = IntAttribute("axis", 0);

    /// <summary>
    /// Nodes that nothing reads once the replaced MatMuls are gone (the repeat and its shape arithmetic), found by
    /// walking back from the graph's outputs; nodes that were already unread stay as they were.
    /// </summary>
    private static HashSet<int> DeadNodes(List<Node> nodes, List<Target> targets, HashSet<string> graphOutputs)
    {
        var removed = new HashSet<int>(targets.Select(t => t.MatMul.Start));
        var reads = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            foreach (string i in n.Inputs) reads[i] = reads.GetValueOrDefault(i) + 1;
        }
        // A replacement reads what its MatMul read first and the cache itself, no longer the repeated cache.
        foreach (var t in targets)
        {
            reads[t.MatMul.Inputs[1]]--;
            reads[t.Cache] = reads.GetValueOrDefault(t.Cache) + 1;
        }
        var dead = new HashSet<int>();
        var work = new Stack<Node>(targets.Select(t => t.MatMul));
        var producer = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            foreach (string o in n.Outputs) producer[o] = n;
        }
        while (work.Count > 0)
        {
            var n = work.Pop();
            foreach (string i in n.Inputs.Distinct())
            {
                if (!producer.TryGetValue(i, out var p) || removed.Contains(p.Start)) continue;
                if (p.Outputs.All(o => o.Length == 0 || (reads.GetValueOrDefault(o) <= 0 && !graphOutputs.Contains(o))))
                {
                    removed.Add(p.Start);
                    dead.Add(p.Start);
                    foreach (string pi in p.Inputs) reads[pi] = reads.GetValueOrDefault(pi) - 1;
                    work.Push(p);
                }
            }
        }
        return dead;
    }

    private static HashSet<string> GraphOutputs(ReadOnlySpan<byte> graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in Fields(graph))
        {
            if (f.Number == GraphOutput && f.Wire == 2 && NameOf(graph[f.ValueStart..f.ValueEnd], 1) is { } name) names.Add(name);
        }
        return names;
    }

    /// <summary>Small int64 initializers by name (shape constants); large ones are never axes.</summary>
    private static Dictionary<string, long[]> Int64Initializers(ReadOnlySpan<byte> graph)
    {
        var result = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var f in Fields(graph))
        {
            if (f.Number != GraphInitializer || f.Wire != 2 || f.ValueEnd - f.ValueStart > 256) continue;
            var tensor = graph[f.ValueStart..f.ValueEnd];
            if (NameOf(tensor, 8) is { } name && Int64Tensor(tensor) is { } values) result[name] = values;
        }
        return result;
    }
}
