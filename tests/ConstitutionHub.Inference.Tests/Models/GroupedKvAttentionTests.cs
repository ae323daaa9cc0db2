using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Runtime;
using ConstitutionHub.Inference.Tests.Generation;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Models;

public sealed class GroupedKvAttentionTests
{
    [Theory]
    // float32: the same sums; float16: the runtime rounds the products in other places, a few half-precision steps.
    [InlineData("models/demo-qwen2/onnx/model.onnx", 4, 1e-4f)] // 4 heads over 2 KV heads, 4 layers
    [InlineData("tests/models/tiny-llama-sp/onnx/model.onnx", 3, 1e-4f)] // 6 heads over 3 KV heads, 3 layers
    [InlineData("tests/models/tiny-llama-sp/onnx/model_fp16.onnx", 3, 1e-2f)]
    public void Attention_reads_the_cache_without_repeating_it_and_computes_the_same_logits(string file, int layers, float tolerance)
    {
        string path = Golden.Path(file.Split('/'));
        byte[] original = File.ReadAllBytes(path);
        byte[] rewritten = GroupedKvAttention.TryRewrite(original) ?? throw new Xunit.Sdk.XunitException("no rewrite");

        var before = OnnxBytes.Nodes(Graph(original));
        var after = OnnxBytes.Nodes(Graph(rewritten));
        Assert.Equal(2 * layers, before.Count(n => n.OpType == "Expand"));
        Assert.DoesNotContain(after, n => n.OpType == "Expand");
        Assert.True(after.Count < before.Count, $"the repeat and its shape arithmetic are gone ({before.Count} nodes, now {after.Count})");

        var settings = new SessionSettings(IntraOpThreads: 1);
        using var a = new BatchOn(path, null, settings);
        using var b = new BatchOn(path, rewritten, settings);
        Assert.Equal(a.Session.Inputs.Select(i => i.Name), b.Session.Inputs.Select(i => i.Name));
        Assert.Equal(a.Session.Outputs.Select(o => o.Name), b.Session.Outputs.Select(o => o.Name));

        // Two rows of different lengths (left padding, a masked row start), then decode steps on both.
        int[][] prompts = [[1, 5, 9, 14, 20, 27, 35, 44, 54, 65], [3, 8, 13]];
        a.Batch.Add(prompts);
        b.Batch.Add(prompts);
        AssertSameLogits(a.Batch, b.Batch, 2, tolerance);
        for (int step = 0; step < 6; step++)
        {
            int[] tokens = [Sampler.ArgMax(a.Batch.Logits(0)), Sampler.ArgMax(a.Batch.Logits(1))];
            a.Batch.Step(tokens);
            b.Batch.Step(tokens);
            AssertSameLogits(a.Batch, b.Batch, 2, tolerance);
        }
    }

    [Fact]
    public void A_graph_without_repeated_kv_heads_is_left_alone()
    {
        Assert.Null(GroupedKvAttention.TryRewrite(File.ReadAllBytes(TestModels.Fixture("tiny-decoder.onnx"))));
        Assert.Null(GroupedKvAttention.TryRewrite(File.ReadAllBytes(TestModels.Fixture("unsupported-op.onnx"))));
        Assert.Null(GroupedKvAttention.TryRewrite([0x3A, 0x05, 0x01]));
    }

    private static ReadOnlySpan<byte> Graph(byte[] model)
    {
        var field = OnnxBytes.GraphOf(model)!.Value;
        return model.AsSpan(field.ValueStart, field.ValueEnd - field.ValueStart);
    }

    private static void AssertSameLogits(DecoderBatch a, DecoderBatch b, int rows, float tolerance)
    {
        for (int row = 0; row < rows; row++)
        {
            var x = a.Logits(row);
            var y = b.Logits(row);
            Assert.Equal(Sampler.ArgMax(x), Sampler.ArgMax(y));
            for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(x[i] - y[i]) <= tolerance, $"row {row}, logit {i}: {x[i]} against {y[i]}");
        }
    }

    /// <summary>A session over the file (or the rewritten bytes) with a batch on it.</summary>
    private sealed class BatchOn : IDisposable
    {
        private readonly KvCacheOps _ops;

        public BatchOn(string path, byte[]? bytes, SessionSettings settings)
        {
            Session = OnnxSession.Open(path, settings, bytes);
            var config = new ModelConfig("x", 16, 1, 1, 16, 1, 64, 0, false, [], null);
            var graph = DecoderGraph.Inspect(Session.Inputs, Session.Outputs, config);
            _ops = new KvCacheOps(graph.KvType, settings, Session.DeviceMemory);
            Batch = new DecoderBatch(Session, graph, _ops);
        }

        public OnnxSession Session { get; }
        public DecoderBatch Batch { get; }

        public void Dispose()
        {
            Batch.Dispose();
            _ops.Dispose();
            Session.Dispose();
        }
    }
}
