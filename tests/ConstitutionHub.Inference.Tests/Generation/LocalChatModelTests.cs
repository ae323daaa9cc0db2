using ConstitutionHub.Inference.Generation;

namespace ConstitutionHub.Inference.Tests.Generation;

/// <summary>Generation on the fixture decoder, whose greedy reply is the chain of <see cref="TestModels.Next"/>.</summary>
public sealed class LocalChatModelTests : IDisposable
{
    private readonly LocalChatModel model = TestModels.Open(TestModels.TinyModelFolder());

    public void Dispose() => this.model.Dispose();

    private static readonly ChatMessage[] Hello = [new("user", "Hello there")];

    private IReadOnlyList<int> Prompt(params ChatMessage[] messages) => this.model.EncodePrompt(this.model.RenderPrompt(messages));

    /// <summary>The greedy reply: follow the chain until the end token or the limit.</summary>
    private static List<int> Chain(int last, int max)
    {
        var ids = new List<int>();
        while (ids.Count < max)
        {
            last = TestModels.Next(last);
            ids.Add(last);
            if (last == TestModels.EndOfTurn) break;
        }
        return ids;
    }

    [Fact]
    public async Task Greedy_reply_streams_the_known_chain_with_counts_and_timing()
    {
        var prompt = Prompt(Hello);
        var expected = Chain(prompt[^1], 20);
        var updates = await TestModels.CollectAsync(this.model.StreamAsync(new GenerationRequest(Hello, SamplingSettings.Greedy(20), "u1"), default));
        var last = updates[^1];
        Assert.Equal(FinishReasons.Length, last.FinishReason);
        Assert.Equal(prompt.Count, last.PromptTokens);
        Assert.Equal(20, last.CompletionTokens);
        Assert.Equal(this.model.Tokenizer.Decode(expected, skipSpecialTokens: true), string.Concat(updates.Select(u => u.TextDelta)));
        Assert.Equal(Enumerable.Range(1, 20), updates.Take(20).Select(u => u.CompletionTokens));
        Assert.NotNull(last.TimeToFirstTokenMs);
        Assert.True(last.TokensPerSecond > 0);
    }

    [Fact]
    public void The_end_token_stops_the_reply_and_is_not_shown()
    {
        // 2899 leads to <|im_end|>; find a prompt token whose chain reaches 2899 soon: 2899 itself's predecessor.
        int before = Enumerable.Range(0, 2900).First(i => TestModels.Next(i) == 2899);
        var (updates, ids) = TestModels.Run(this.model, [before], SamplingSettings.Greedy(10));
        Assert.Equal([2899, TestModels.EndOfTurn], ids);
        Assert.Equal(FinishReasons.Stop, updates[^1].FinishReason);
        Assert.DoesNotContain("<|im_end|>", string.Concat(updates.Select(u => u.TextDelta)));
    }

    [Fact]
    public void A_stop_string_across_token_boundaries_ends_the_reply_before_it()
    {
        var prompt = Prompt(Hello);
        var chain = Chain(prompt[^1], 30);
        string full = this.model.Tokenizer.Decode(chain, skipSpecialTokens: true);
        // A stop string made of the end of the third token's text and the start of the fourth's.
        string third = this.model.Tokenizer.Decode(chain.Take(3).ToList(), skipSpecialTokens: true);
        string stop = full.Substring(third.Length - 1, 2);
        int at = full.IndexOf(stop, StringComparison.Ordinal);
        Assert.InRange(at, 1, third.Length - 1);

        var (updates, _) = TestModels.Run(this.model, prompt, SamplingSettings.Greedy(30) with { StopStrings = [stop] });
        Assert.Equal(FinishReasons.Stop, updates[^1].FinishReason);
        Assert.Equal(full[..at], string.Concat(updates.Select(u => u.TextDelta)));
        Assert.True(updates[^1].CompletionTokens <= 5);
    }

    [Fact]
    public void A_prompt_over_the_context_is_refused_with_the_counts()
    {
        var longMessage = new ChatMessage("user", string.Join(' ', Enumerable.Repeat("constitution", 80)));
        var e = Assert.Throws<InferenceException>(() => this.model.StreamAsync(new GenerationRequest([longMessage], SamplingSettings.Greedy(), "u"), default));
        Assert.Equal("context_exceeded", e.Code);
        int tokens = Prompt(longMessage).Count;
        Assert.Contains($"The prompt is {tokens} tokens", e.Message);
        Assert.Contains("context of 64 tokens", e.Message);
        Assert.Contains("at most 63", e.Message);
    }

    [Fact]
    public void Max_new_tokens_is_clipped_to_the_context_and_finishes_with_length()
    {
        // 63 prompt tokens in a 64-token context leave room for exactly one new token.
        var prompt = Enumerable.Repeat(5, 63).ToList();
        var (updates, ids) = TestModels.Run(this.model, prompt, SamplingSettings.Greedy(100));
        Assert.Single(ids);
        Assert.Equal(FinishReasons.Length, updates[^1].FinishReason);
        Assert.Throws<InferenceException>(() => this.model.StreamTokensAsync(Enumerable.Repeat(5, 64).ToList(), SamplingSettings.Greedy(), default));
    }

    [Fact]
    public void Cancelling_stops_the_reply_with_finish_cancelled()
    {
        // The callback runs on the generating thread, so the cancellation lands at a known token.
        using var cts = new CancellationTokenSource();
        var (updates, ids) = TestModels.Run(this.model, Prompt(Hello), SamplingSettings.Greedy(50), cts.Token, u =>
        {
            if (u.CompletionTokens == 3) cts.Cancel();
        });
        Assert.Equal(FinishReasons.Cancelled, updates[^1].FinishReason);
        Assert.Equal(3, updates[^1].CompletionTokens);
        Assert.Equal(3, ids.Count);
    }

    [Fact]
    public async Task A_cancelled_request_streams_only_its_finish()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var updates = await TestModels.CollectAsync(this.model.StreamAsync(new GenerationRequest(Hello, SamplingSettings.Greedy(50), "u"), cts.Token));
        var only = Assert.Single(updates);
        Assert.Equal(FinishReasons.Cancelled, only.FinishReason);
        Assert.Equal(0, only.CompletionTokens);
    }

    [Fact]
    public async Task A_reader_that_stops_early_stops_the_generation()
    {
        await foreach (var u in this.model.StreamAsync(new GenerationRequest(Hello, SamplingSettings.Greedy(60), "u"), default))
        {
            break; // disposing the enumerator waits for the worker; this returning at all shows the loop stopped
        }
        var again = await TestModels.CollectAsync(this.model.StreamAsync(new GenerationRequest(Hello, SamplingSettings.Greedy(5), "u"), default));
        Assert.Equal(FinishReasons.Length, again[^1].FinishReason);
    }

    [Fact]
    public async Task Concurrent_generations_keep_their_own_cache()
    {
        // The Llama-style test model's reply depends on the whole prompt (the fixture's only on the last token).
        using var model = TestModels.Open(Tokenization.Golden.Path("tests", "models", "tiny-llama-sp"));
        var prompts = Enumerable.Range(0, 6).Select(i => new ChatMessage[] { new("user", $"Question number {i}: {new string('x', i * 3)}") }).ToList();
        var sequential = new List<string>();
        foreach (var p in prompts)
        {
            var updates = await TestModels.CollectAsync(model.StreamAsync(new GenerationRequest(p, SamplingSettings.Greedy(24), "u"), default));
            sequential.Add(string.Concat(updates.Select(u => u.TextDelta)));
        }
        var parallel = await Task.WhenAll(prompts.Select(p => Task.Run(async () =>
        {
            var updates = await TestModels.CollectAsync(model.StreamAsync(new GenerationRequest(p, SamplingSettings.Greedy(24), "u"), default));
            return string.Concat(updates.Select(u => u.TextDelta));
        })));
        Assert.Equal(sequential, parallel);
        Assert.True(sequential.Distinct().Count() > 1, "different prompts should give different replies");
    }

    [Fact]
    public async Task A_failing_request_leaves_a_running_one_alone()
    {
        var running = TestModels.CollectAsync(this.model.StreamAsync(new GenerationRequest(Hello, SamplingSettings.Greedy(40), "a"), default));
        var bad = Assert.Throws<InferenceException>(() => this.model.StreamTokensAsync([5, 999_999], SamplingSettings.Greedy(), default));
        Assert.Equal("invalid_request", bad.Code);
        var invalid = Assert.Throws<InferenceException>(() => this.model.StreamAsync(new GenerationRequest(Hello, SamplingSettings.Greedy() with { TopP = 0 }, "b"), default));
        Assert.Equal("top_p", invalid.Field);
        var updates = await running;
        Assert.Equal(40, updates[^1].CompletionTokens);
    }

    [Fact]
    public void A_seed_reproduces_a_sampled_reply()
    {
        var prompt = Prompt(Hello);
        var hot = new SamplingSettings(Temperature: 5, TopK: 0, TopP: 1, MinP: 0, RepetitionPenalty: 1.2, MaxNewTokens: 30, Seed: 11);
        var (_, a) = TestModels.Run(this.model, prompt, hot);
        var (_, b) = TestModels.Run(this.model, prompt, hot);
        var (_, c) = TestModels.Run(this.model, prompt, hot with { Seed = 12 });
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void A_float16_graph_gives_the_same_greedy_reply()
    {
        using var fp16 = TestModels.Open(TestModels.TinyModelFolder("tiny-decoder-fp16.onnx"));
        var prompt = Prompt(Hello);
        var (_, a) = TestModels.Run(this.model, prompt, SamplingSettings.Greedy(16));
        var (_, b) = TestModels.Run(fp16, prompt, SamplingSettings.Greedy(16));
        Assert.Equal(Chain(prompt[^1], 16), a);
        Assert.Equal(a, b);
    }
}
