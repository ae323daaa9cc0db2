using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Inference.Tests.Tokenization;

namespace ConstitutionHub.Inference.Tests.Generation;

/// <summary>
/// Several sequences in one forward pass give exactly the ids each gives alone (greedy), for prompts of different
/// lengths (left padding), rows that stop at different times, and rows that join a batch already running.
/// </summary>
public sealed class BatchedGenerationTests
{
    private static readonly string[] Questions =
    [
        "Hello there",
        "What does the constitution say about honesty?",
        "Summarise the section on helpfulness in one sentence, please.",
        "Hi",
        "Why would a model refuse a request that could hurt someone, even if it was asked politely and more than once?",
        "Tell me about safety.",
        "And privacy?",
        "Who wrote this?",
    ];

    public static TheoryData<string, string> Models() => new()
    {
        { "models/demo-qwen2", "onnx/model.onnx" },
        { "tests/models/tiny-llama-sp", "onnx/model.onnx" },
        { "tests/models/tiny-llama-sp", "onnx/model_fp16.onnx" },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Eight_prompts_in_one_batch_give_the_ids_each_gives_alone(string folder, string weights)
    {
        using var model = TestModels.Open(Golden.Path(folder.Split('/')), weights);
        var prompts = Questions.Select(q => (IReadOnlyList<int>)model.EncodePrompt(model.RenderPrompt([new ChatMessage("user", q)]))).ToList();
        Assert.True(prompts.Select(p => p.Count).Distinct().Count() > 4, "the prompts should need padding");
        var greedy = SamplingSettings.Greedy(40);

        var alone = prompts.Select(p => TestModels.Run(model, p, greedy).Ids).ToList();
        var together = model.GenerateTogether(prompts, greedy);

        Assert.Equal(8, model.LargestBatch);
        for (int i = 0; i < prompts.Count; i++)
        {
            Assert.True(alone[i].SequenceEqual(together[i].Ids),
                $"prompt {i}: alone [{string.Join(",", alone[i])}], batched [{string.Join(",", together[i].Ids)}]");
            Assert.Equal(TestModels.Run(model, prompts[i], greedy).Updates[^1].FinishReason, together[i].Updates[^1].FinishReason);
        }
    }

    [Fact]
    public void The_pass_profile_counts_each_pass_by_its_rows_and_times_every_phase()
    {
        using var model = TestModels.Open(Golden.Path("models", "demo-qwen2"));
        var prompts = Questions.Take(3).Select(q => (IReadOnlyList<int>)model.EncodePrompt(model.RenderPrompt([new ChatMessage("user", q)]))).ToList();
        var profile = model.StartProfile();

        // 10 tokens each: the prefill pass gives the first, then 9 decode passes of all three rows (end tokens masked).
        model.GenerateTogether(prompts, SamplingSettings.Greedy(10), ignoreEos: true);

        Assert.Equal(1, profile.Prefills);
        Assert.Equal(9, profile.Passes);
        Assert.Equal(27, profile.Rows);
        Assert.Equal(["3"], profile.PerPassMicrosecondsByRows().Keys);
        var phases = profile.PerPassMicroseconds();
        Assert.Equal(["bind", "run", "outputs", "accept"], phases.Keys);
        Assert.True(phases["run"] > 0, "the runtime's run takes time");
        Assert.True(phases.Values.Sum() <= profile.PerPassMicrosecondsByRows()["3"] + 1, "the phases lie inside the pass");
    }

    [Fact]
    public async Task Requests_arriving_while_others_run_join_the_batch_and_keep_their_answers()
    {
        using var model = TestModels.Open(Golden.Path("tests", "models", "tiny-llama-sp"));
        var prompts = Questions.Select(q => (IReadOnlyList<int>)model.EncodePrompt(model.RenderPrompt([new ChatMessage("user", q)]))).ToList();
        var greedy = SamplingSettings.Greedy(48);
        var alone = prompts.Select(p => TestModels.Run(model, p, greedy).Ids).ToList();

        // Each request starts once the one before it has its first token, so every one joins a running batch.
        var runs = new List<Task<List<GenerationUpdate>>>();
        for (int i = 0; i < prompts.Count; i++)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var prompt = prompts[i];
            runs.Add(Task.Run(async () =>
            {
                var updates = new List<GenerationUpdate>();
                await foreach (var u in model.StreamTokensAsync(prompt, greedy, default))
                {
                    updates.Add(u);
                    started.TrySetResult();
                }
                return updates;
            }));
            await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        var replies = await Task.WhenAll(runs);

        Assert.True(model.LargestBatch > 1, "requests should have shared passes");
        for (int i = 0; i < prompts.Count; i++)
        {
            string expected = model.Tokenizer.Decode(alone[i], skipSpecialTokens: true);
            Assert.Equal(expected, string.Concat(replies[i].Select(u => u.TextDelta)));
        }
    }
}
