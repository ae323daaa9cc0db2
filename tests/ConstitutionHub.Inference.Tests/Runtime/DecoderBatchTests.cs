using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Inference.Tests.Generation;
using ConstitutionHub.Inference.Tests.Tokenization;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ConstitutionHub.Inference.Tests.Runtime;

/// <summary>Prefill and decode through the IoBinding path, one row and several, on graphs whose answers are known.</summary>
public sealed class DecoderBatchTests
{
    private static readonly ModelConfig TinyConfig = ModelConfig.Parse("""{"hidden_size":16,"num_attention_heads":1,"num_hidden_layers":2,"vocab_size":2903}""");

    [Theory]
    [InlineData("tiny-decoder.onnx")]
    [InlineData("tiny-decoder-fp16.onnx")]
    public void Prefill_and_steps_follow_the_graph_and_grow_the_cache(string fixture)
    {
        using var decoder = new TestModels.Decoder(TestModels.Fixture(fixture), TinyConfig);
        var graph = decoder.Graph;
        Assert.Equal(2, graph.Layers);
        Assert.Equal(fixture.Contains("fp16") ? TensorElementType.Float16 : TensorElementType.Float, graph.KvType);
        Assert.True(graph.HasPositionIds);
        Assert.Equal(2903, graph.VocabSize);

        using var batch = decoder.NewBatch();
        batch.Add([[5, 17, 42]]);
        int token = Sampler.ArgMax(batch.Logits(0));
        Assert.Equal(TestModels.Next(42), token);
        Assert.Equal(3, batch.CacheLength);
        for (int i = 0; i < 5; i++)
        {
            batch.Step([token]);
            int next = Sampler.ArgMax(batch.Logits(0));
            Assert.Equal(TestModels.Next(token), next);
            token = next;
        }
        Assert.Equal(8, batch.CacheLength);
    }

    /// <summary>The Llama-style test model's answers depend on the whole prompt, so padding or a shared pass that leaks
    /// between rows would change them.</summary>
    [Fact]
    public void Rows_of_different_lengths_joining_and_leaving_compute_what_they_compute_alone()
    {
        string onnx = Golden.Path("tests", "models", "tiny-llama-sp", "onnx", "model.onnx");
        var config = ModelConfig.Parse(File.ReadAllText(Golden.Path("tests", "models", "tiny-llama-sp", "config.json")));
        using var decoder = new TestModels.Decoder(onnx, config);
        int[][] prompts = [[1, 15, 27, 99, 4, 300, 12], [1, 8], [1, 77, 3, 3, 41], [1, 500, 501, 502, 503, 504, 505, 506, 507, 508, 509]];
        const int steps = 6;

        // Alone: each prompt in its own batch of one.
        var alone = new List<List<float[]>>();
        foreach (var prompt in prompts)
        {
            using var single = decoder.NewBatch();
            single.Add([prompt]);
            var rows = new List<float[]> { single.Logits(0).ToArray() };
            for (int i = 0; i < steps; i++)
            {
                single.Step([Sampler.ArgMax(rows[^1])]);
                rows.Add(single.Logits(0).ToArray());
            }
            alone.Add(rows);
        }

        // Together: rows 0 and 1 start, row 2 joins after two steps, row 1 leaves after three, row 3 joins after four.
        using var batch = decoder.NewBatch();
        var seen = prompts.Select(_ => new List<float[]>()).ToArray();
        var members = new List<int>();
        void Join(params int[] ids)
        {
            batch.Add(ids.Select(i => prompts[i]).ToList());
            for (int k = 0; k < ids.Length; k++) seen[ids[k]].Add(batch.Logits(batch.Count - ids.Length + k).ToArray());
            members.AddRange(ids);
        }
        void Step()
        {
            batch.Step(members.Select(m => Sampler.ArgMax(seen[m][^1])).ToArray());
            for (int r = 0; r < members.Count; r++) seen[members[r]].Add(batch.Logits(r).ToArray());
        }
        Join(0, 1);
        Step();
        Step();
        Join(2);
        Step();
        batch.Remove([members.IndexOf(1)]);
        members.Remove(1);
        Step();
        Join(3);
        for (int i = 0; i < steps; i++) Step();

        for (int p = 0; p < prompts.Length; p++)
        {
            int compared = Math.Min(seen[p].Count, alone[p].Count);
            Assert.True(compared >= 3, $"prompt {p} took part in only {compared} passes");
            for (int s = 0; s < compared; s++)
            {
                Assert.Equal(Sampler.ArgMax(alone[p][s]), Sampler.ArgMax(seen[p][s]));
                float worst = alone[p][s].Zip(seen[p][s], (a, b) => Math.Abs(a - b)).Max();
                Assert.True(worst < 1e-3f, $"prompt {p}, pass {s}: logits differ by {worst}");
            }
        }
        Assert.Equal(members.Max(m => prompts[m].Length + seen[m].Count - 1), batch.CacheLength);
    }
}
