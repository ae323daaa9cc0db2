using System.Text;
using ConstitutionHub.Inference.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// Reshapes the KV cache of a batch where it lives: picks rows (a sequence finished), drops leading positions no row
/// attends to, left-pads (a shorter batch joins a longer one) and concatenates two batches. The work is done by two
/// tiny ONNX graphs run on the model's own execution provider, so under CUDA the cache never leaves the device and
/// the CPU path runs exactly the same code.
/// </summary>
/// <remarks>
/// select(x, rows, start, pads) = Pad(Slice(Gather(x, rows, axis 0), start, end, axis 2), pads): keeps
/// <c>rows</c>, drops the first <c>start</c> positions and adds <c>pads</c> zero positions in front.
/// concat(a, b) = Concat(a, b, axis 0).
/// </remarks>
internal sealed class KvCacheOps : IDisposable
{
    private readonly InferenceSession select;
    private readonly InferenceSession concat;
    private readonly OrtMemoryInfo device;
    private readonly RunOptions run = new();
    private readonly long[] end = [long.MaxValue];
    private readonly long[] axis = [2];

    public KvCacheOps(TensorElementType type, SessionSettings settings, OrtMemoryInfo device)
    {
        this.device = device;
        using var options = new SessionOptions { ExecutionMode = ExecutionMode.ORT_SEQUENTIAL, IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        ExecutionProviders.Append(options, settings with { AllowCpuFallback = true });
        this.select = new InferenceSession(SelectGraph(type), options);
        this.concat = new InferenceSession(ConcatGraph(type), options);
    }

    /// <summary>The rows of <paramref name="x"/> ([batch, heads, positions, dim]) in this order, without the first
    /// <paramref name="dropFront"/> positions and with <paramref name="padFront"/> zero positions before the rest.</summary>
    public OrtValue Select(OrtValue x, long[] rows, long dropFront, long padFront)
    {
        long[] pads = [0, 0, padFront, 0, 0, 0, 0, 0];
        long[] start = [dropFront];
        using var rowsValue = OrtValue.CreateTensorValueFromMemory(rows, [rows.Length]);
        using var startValue = OrtValue.CreateTensorValueFromMemory(start, [1]);
        using var endValue = OrtValue.CreateTensorValueFromMemory(this.end, [1]);
        using var axisValue = OrtValue.CreateTensorValueFromMemory(this.axis, [1]);
        using var padsValue = OrtValue.CreateTensorValueFromMemory(pads, [8]);
        using var binding = this.select.CreateIoBinding();
        binding.BindInput("x", x);
        binding.BindInput("rows", rowsValue);
        binding.BindInput("start", startValue);
        binding.BindInput("end", endValue);
        binding.BindInput("axis", axisValue);
        binding.BindInput("pads", padsValue);
        return RunOne(this.select, binding);
    }

    public OrtValue Concat(OrtValue a, OrtValue b)
    {
        using var binding = this.concat.CreateIoBinding();
        binding.BindInput("a", a);
        binding.BindInput("b", b);
        return RunOne(this.concat, binding);
    }

    private OrtValue RunOne(InferenceSession session, OrtIoBinding binding)
    {
        binding.BindOutputToDevice("y", this.device);
        session.RunWithBinding(this.run, binding);
        return BoundOutputs.Take(binding)[0];
    }

    public void Dispose()
    {
        this.select.Dispose();
        this.concat.Dispose();
        this.run.Dispose();
    }

    // ---- the two graphs, written as ONNX protobuf (opset 18) ------------------------------------------------------

    private static byte[] SelectGraph(TensorElementType type)
    {
        var graph = new Proto();
        graph.Message(1, Node("Gather", ["x", "rows"], "g", new Proto().Bytes(1, "axis").Varint(3, 0).Varint(20, 2)));
        graph.Message(1, Node("Slice", ["g", "start", "end", "axis"], "s"));
        graph.Message(1, Node("Pad", ["s", "pads"], "y"));
        graph.String(2, "kv_select");
        graph.Message(11, Value("x", (int)type, 4));
        foreach (var (name, rank) in new[] { ("rows", 1), ("start", 1), ("end", 1), ("axis", 1), ("pads", 1) })
            graph.Message(11, Value(name, (int)TensorElementType.Int64, rank));
        graph.Message(12, Value("y", (int)type, 4));
        return Model(graph);
    }

    private static byte[] ConcatGraph(TensorElementType type)
    {
        var graph = new Proto();
        graph.Message(1, Node("Concat", ["a", "b"], "y", new Proto().Bytes(1, "axis").Varint(3, 0).Varint(20, 2)));
        graph.String(2, "kv_concat");
        graph.Message(11, Value("a", (int)type, 4));
        graph.Message(11, Value("b", (int)type, 4));
        graph.Message(12, Value("y", (int)type, 4));
        return Model(graph);
    }

    private static byte[] Model(Proto graph) =>
        new Proto().Varint(1, 8).String(2, "constitutionhub").Message(7, graph).Message(8, new Proto().String(1, "").Varint(2, 18)).ToArray();

    private static Proto Node(string op, string[] inputs, string output, Proto? attribute = null)
    {
        var node = new Proto();
        foreach (var input in inputs) node.String(1, input);
        node.String(2, output).String(3, output + "_" + op).String(4, op);
        if (attribute is not null) node.Message(5, attribute);
        return node;
    }

    /// <summary>A tensor value of this element type and rank with symbolic dimensions.</summary>
    private static Proto Value(string name, int elementType, int rank)
    {
        var shape = new Proto();
        for (int i = 0; i < rank; i++) shape.Message(1, new Proto().String(2, $"{name}_{i}"));
        var tensor = new Proto().Varint(1, (ulong)elementType).Message(2, shape);
        return new Proto().String(1, name).Message(2, new Proto().Message(1, tensor));
    }

    /// <summary>Just enough of a protobuf writer for the two graphs above.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream bytes = new();

        public Proto Varint(int field, ulong value)
        {
            Tag(field, 0);
            Write(value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, value);

        public Proto Bytes(int field, string value)
        {
            var utf8 = Encoding.UTF8.GetBytes(value);
            Tag(field, 2);
            Write((ulong)utf8.Length);
            bytes.Write(utf8);
            return this;
        }

        public Proto Message(int field, Proto message)
        {
            var body = message.ToArray();
            Tag(field, 2);
            Write((ulong)body.Length);
            bytes.Write(body);
            return this;
        }

        public byte[] ToArray() => bytes.ToArray();

        private void Tag(int field, int wire) => Write((ulong)((field << 3) | wire));

        private void Write(ulong value)
        {
            while (value >= 0x80)
            {
                bytes.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            bytes.WriteByte((byte)value);
        }
    }
}
