using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Native;
using ConstitutionHub.Inference.Tests.Generation;

namespace ConstitutionHub.Inference.Tests.Native;

/// <summary>Prefill and decode through the IoBinding path on the fixture decoder, whose answers are known.</summary>
public sealed class DecoderRunTests
{
    [Theory]
    [InlineData("tiny-decoder.onnx")]
    [InlineData("tiny-decoder-fp16.onnx")]
    public void Prefill_and_steps_follow_the_graph_and_grow_the_cache(string fixture)
    {
        var rt = TestModels.Runtime;
        using var session = OnnxSession.Open(rt, TestModels.Fixture(fixture), new SessionSettings(IntraOpThreads: 1));
        var config = ModelConfig.Parse("""{"hidden_size":16,"num_attention_heads":1,"num_hidden_layers":2,"vocab_size":2903}""");
        var graph = DecoderGraph.Inspect(session.Inputs, session.Outputs, config);
        Assert.Equal(2, graph.Layers);
        Assert.Equal(fixture.Contains("fp16") ? TensorElementType.Float16 : TensorElementType.Float, graph.KvType);
        Assert.True(graph.HasPositionIds);
        Assert.Equal(2903, graph.VocabSize);

        using var run = new DecoderRun(session, graph, new DecoderNames(graph), capacity: 16);
        int token = Sampler.ArgMax(run.Prefill([5, 17, 42]));
        Assert.Equal(TestModels.Next(42), token);
        Assert.Equal(3, run.Length);
        for (int i = 0; i < 5; i++)
        {
            int next = Sampler.ArgMax(run.Step(token));
            Assert.Equal(TestModels.Next(token), next);
            token = next;
        }
        Assert.Equal(8, run.Length);
    }
}
