using System.ClientModel;
using System.Security.Cryptography;
using System.Text.Json;
using ConstitutionHub.Inference;
using ConstitutionHub.Inference.Generation;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Tests.Support;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;
using ClientMessage = OpenAI.Chat.ChatMessage;
using EngineMessage = ConstitutionHub.Inference.ChatMessage;

namespace ConstitutionHub.Web.Tests.Inference;

/// <summary>
/// The app as it ships: no model injected, so it finds the demo model in models/ and runs it on ONNX Runtime. Next
/// to it, the same folder loaded directly with <see cref="LocalChatModel"/>, to check that what reaches a client over
/// HTTP is exactly what the engine writes.
/// </summary>
public sealed class DemoModelFixture : IAsyncLifetime
{
    public const string Key = "demo-key-0123456789abcdef";
    public const string ModelId = "demo-qwen2";

    public HubServer Server { get; private set; } = null!;
    public LocalChatModel Direct { get; private set; } = null!;
    public string Folder { get; } = Path.Combine(
        HubPaths.RepositoryRoot() ?? throw new InvalidOperationException("Run the tests from a checkout of the repository."), "models", ModelId);

    public async Task InitializeAsync()
    {
        Server = await HubServer.StartAsync(nameof(DemoModelFixture), settings: new Dictionary<string, string?> { ["Inference:ApiKeys:ci"] = Key });
        // The app's defaults: the ONNX Runtime native package of the build, the CPU.
        Direct = LocalChatModel.Load(Folder, new InferenceOptions());
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Direct.Dispose();
    }

    public OpenAIClientOptions ClientOptions() =>
        new() { Endpoint = new Uri(Server.Address, "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) };
}

public sealed class DemoModelServingTests(DemoModelFixture fixture) : IClassFixture<DemoModelFixture>
{
    private const long Seed = 20261130;
    private const int MaxTokens = 48;

    private static readonly EngineMessage[] Conversation =
    [
        new("system", "You are honest and kind. Answer briefly."),
        new("user", "What is a constitution for?"),
        new("assistant", "It says who we are and how we decide."),
        new("user", "Give me one example, please."),
    ];

    private ChatClient Chat() => new(DemoModelFixture.ModelId, new ApiKeyCredential(DemoModelFixture.Key), fixture.ClientOptions());

    private static IEnumerable<ClientMessage> ForClient() => Conversation.Select(m => m.Role switch
    {
        "system" => (ClientMessage)new SystemChatMessage(m.Content),
        "assistant" => new AssistantChatMessage(m.Content),
        _ => new UserChatMessage(m.Content),
    });

#pragma warning disable OPENAI001 // Seed is marked experimental in the client; the server honours it.
    private static ChatCompletionOptions Greedy() => new() { Temperature = 0, Seed = Seed, MaxOutputTokenCount = MaxTokens };
#pragma warning restore OPENAI001

    /// <summary>The engine run directly with what the server makes of <see cref="Greedy"/>: temperature 0, the seed and
    /// the token limit, and for the rest the model's generation_config.json over OpenAI's defaults, as vLLM does (its
    /// repetition_penalty 1.05 among them, which changes greedy picks), never our chat UI's house defaults.</summary>
    private async Task<(string Text, GenerationUpdate Last)> DirectAsync()
    {
        var sampling = fixture.Direct.Defaults with { Temperature = 0, Seed = Seed, MaxNewTokens = MaxTokens };
        Assert.Equal(1.05, sampling.RepetitionPenalty);
        var text = "";
        GenerationUpdate? last = null;
        await foreach (var update in fixture.Direct.StreamAsync(new GenerationRequest(Conversation, sampling, "direct"), CancellationToken.None))
        {
            text += update.TextDelta;
            last = update;
        }
        Assert.False(string.IsNullOrEmpty(text), "the demo model wrote nothing for this conversation");
        return (text, last!);
    }

    private static ChatFinishReason Expected(string? finish) => finish == FinishReasons.Length ? ChatFinishReason.Length : ChatFinishReason.Stop;

    [Fact]
    public async Task The_models_listing_shows_the_demo_model_with_the_hash_of_its_weights_on_the_cpu()
    {
        var models = await new OpenAIModelClient(new ApiKeyCredential(DemoModelFixture.Key), fixture.ClientOptions()).GetModelsAsync();
        Assert.Contains(DemoModelFixture.ModelId, models.Value.Select(m => m.Id));

        using var keyed = fixture.Server.Client(cookies: false);
        keyed.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DemoModelFixture.Key);
        using var raw = JsonDocument.Parse(await keyed.GetStringAsync("/v1/models"));
        var demo = raw.RootElement.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == DemoModelFixture.ModelId);
        Assert.True(demo.GetProperty("available").GetBoolean(), $"the demo model did not load: {demo.GetProperty("error")}");
        // Hashed here from the file itself, not taken from the engine's own report.
        await using var weights = File.OpenRead(Path.Combine(fixture.Folder, "onnx", "model.onnx"));
        var sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(weights));
        Assert.Equal(sha256, demo.GetProperty("sha256").GetString());
        Assert.Equal(sha256, fixture.Direct.Info.WeightsSha256);
        Assert.Equal("cpu", demo.GetProperty("execution_provider").GetString());
        Assert.True(demo.GetProperty("is_demo").GetBoolean());
        Assert.True(demo.GetProperty("is_default").GetBoolean());
        Assert.Equal(1024, demo.GetProperty("context_length").GetInt32());
    }

    [Fact]
    public async Task A_greedy_completion_over_HTTP_is_the_text_the_engine_writes_directly()
    {
        var (expected, last) = await DirectAsync();

        ChatCompletion completion = await Chat().CompleteChatAsync(ForClient(), Greedy());

        Assert.Equal(expected, completion.Content[0].Text);
        Assert.Equal(Expected(last.FinishReason), completion.FinishReason);
        Assert.Equal((last.PromptTokens, last.CompletionTokens), (completion.Usage.InputTokenCount, completion.Usage.OutputTokenCount));
        Assert.Equal(DemoModelFixture.ModelId, completion.Model);
    }

    [Fact]
    public async Task A_greedy_streaming_completion_over_HTTP_is_the_text_the_engine_writes_directly()
    {
        var (expected, last) = await DirectAsync();
        var chunks = new List<string>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;

        await foreach (var update in Chat().CompleteChatStreamingAsync(ForClient(), Greedy()))
        {
            chunks.AddRange(update.ContentUpdate.Select(p => p.Text));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(expected, string.Concat(chunks));
        Assert.True(chunks.Count > 1, $"the reply came in {chunks.Count} chunk(s), not streamed");
        Assert.Equal(Expected(last.FinishReason), finish);
        Assert.NotNull(usage);
        Assert.Equal((last.PromptTokens, last.CompletionTokens), (usage.InputTokenCount, usage.OutputTokenCount));
    }

    private HttpClient Keyed()
    {
        var client = fixture.Server.Client(cookies: false);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", DemoModelFixture.Key);
        return client;
    }

    private async Task<JsonElement> PostAsync(object body)
    {
        using var client = Keyed();
        var response = await client.PostAsync("/v1/chat/completions",
            new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_json_schema_response_format_over_HTTP_returns_json_that_matches_it()
    {
        var schema = BinaryData.FromString("""
            {"type":"object","properties":{"verdict":{"enum":["A","B","tie"]},"score":{"type":"integer"}},
             "required":["verdict","score"],"additionalProperties":false}
            """);
        var options = new ChatCompletionOptions
        {
            Temperature = 0,
            MaxOutputTokenCount = 64,
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("judgement", schema, jsonSchemaIsStrict: true),
        };
        ChatCompletion completion = await Chat().CompleteChatAsync(ForClient(), options);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        using var json = JsonDocument.Parse(completion.Content[0].Text);
        Assert.Contains(json.RootElement.GetProperty("verdict").GetString(), new[] { "A", "B", "tie" });
        Assert.Equal(JsonValueKind.Number, json.RootElement.GetProperty("score").ValueKind);
        Assert.Equal(2, json.RootElement.EnumerateObject().Count());
    }

    [Fact]
    public async Task A_fixed_choice_with_several_sampled_replies_returns_only_the_choices()
    {
        string[] choices = ["A", "B", "tie"];
        var body = await PostAsync(new
        {
            model = DemoModelFixture.ModelId, messages = new[] { new { role = "user", content = "Which reply is better, A or B?" } },
            guided_choice = choices, n = 6, temperature = 1.5, seed = 7, max_tokens = 8,
        });

        var replies = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 6), replies.Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(replies, c => Assert.Contains(c.GetProperty("message").GetProperty("content").GetString(), choices));
        Assert.All(replies, c => Assert.Equal("stop", c.GetProperty("finish_reason").GetString()));
        var usage = body.GetProperty("usage");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + usage.GetProperty("completion_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 6, 6 * 8);
    }

    [Fact]
    public async Task Logprobs_over_HTTP_give_each_tokens_log_probability_and_the_top_alternatives()
    {
        var options = new ChatCompletionOptions { Temperature = 0, MaxOutputTokenCount = 12, IncludeLogProbabilities = true, TopLogProbabilityCount = 3 };
        ChatCompletion completion = await Chat().CompleteChatAsync(ForClient(), options);

        var tokens = completion.ContentTokenLogProbabilities;
        Assert.NotEmpty(tokens);
        Assert.Equal(completion.Content[0].Text, string.Concat(tokens.Select(t => System.Text.Encoding.UTF8.GetString(t.Utf8Bytes!.Value.Span))));
        Assert.All(tokens, t =>
        {
            Assert.True(t.LogProbability <= 0);
            Assert.Equal(3, t.TopLogProbabilities.Count);
            Assert.Equal(t.Token, t.TopLogProbabilities[0].Token); // greedy: the most likely token is the one chosen
        });
    }

    [Fact]
    public async Task An_unenforceable_schema_keyword_is_a_400_naming_it()
    {
        using var client = Keyed();
        var response = await client.PostAsync("/v1/chat/completions", new StringContent(JsonSerializer.Serialize(new
        {
            model = DemoModelFixture.ModelId, messages = new[] { new { role = "user", content = "hi" } },
            response_format = new { type = "json_schema", json_schema = new { name = "x", schema = new { type = "string", pattern = "^a+$" } } },
        }), System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("\"pattern\"", json.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("response_format", json.RootElement.GetProperty("error").GetProperty("param").GetString());
    }
}
