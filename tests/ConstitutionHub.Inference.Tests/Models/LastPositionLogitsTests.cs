using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Runtime;
using ConstitutionHub.Inference.Tests.Generation;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Models;

public sealed class LastPositionLogitsTests
{
    [Theory]
    [InlineData("models/demo-qwen2/onnx/model.onnx")]
    [InlineData("tests/models/tiny-llama-sp/onnx/model_fp16.onnx")]
    [InlineData("tests/ConstitutionHub.Inference.Tests/Runtime/fixtures/tiny-decoder.onnx")]
    public void The_rewritten_graph_returns_only_the_last_row_with_the_same_values(string file)
    {
        string path = Golden.Path(file.Split('/'));
        byte[] rewritten = LastPositionLogits.TryRewrite(File.ReadAllBytes(path)) ?? throw new Xunit.Sdk.XunitException("no rewrite");
        var settings = new SessionSettings(IntraOpThreads: 1);
        using var original = OnnxSession.Open(path, settings);
        using var sliced = OnnxSession.Open(path, settings, rewritten);
        Assert.Equal(original.Inputs.Select(i => i.Name), sliced.Inputs.Select(i => i.Name));
        Assert.Equal(original.Outputs.Select(o => o.Name), sliced.Outputs.Select(o => o.Name));

        var config = new ModelConfig("x", 16, 1, 1, 16, 1, 64, 0, false, [], null);
        var graphA = DecoderGraph.Inspect(original.Inputs, original.Outputs, config);
        var graphB = DecoderGraph.Inspect(sliced.Inputs, sliced.Outputs, config);
        using var opsA = new KvCacheOps(graphA.KvType, settings, original.DeviceMemory);
        using var opsB = new KvCacheOps(graphB.KvType, settings, sliced.DeviceMemory);
        using var a = new DecoderBatch(original, graphA, opsA);
        using var b = new DecoderBatch(sliced, graphB, opsB);
        int[] prompt = [1, 5, 9, 14, 20, 27, 35, 44, 54, 65];
        a.Add([prompt]);
        b.Add([prompt]);
        float[] full = a.Logits(0).ToArray();
        float[] last = b.Logits(0).ToArray();
        Assert.Equal(Sampler.ArgMax(full), Sampler.ArgMax(last));
        for (int i = 0; i < full.Length; i++) Assert.Equal(full[i], last[i], 1e-4f);
        a.Step([7]);
        b.Step([7]);
        Assert.Equal(a.Logits(0).ToArray(), b.Logits(0).ToArray(), new FloatTolerance());
    }

    [Fact]
    public void A_graph_without_logits_is_left_alone()
    {
        Assert.Null(LastPositionLogits.TryRewrite(File.ReadAllBytes(TestModels.Fixture("unsupported-op.onnx"))));
        Assert.Null(LastPositionLogits.TryRewrite([0x3A, 0x05, 0x01]));
    }

    private sealed class FloatTolerance : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= 1e-4f;
        public int GetHashCode(float obj) => 0;
    }
}
