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
    /// the token limit, and the house defaults for the rest (the repetition penalty among them changes greedy picks).</summary>
    private async Task<(string Text, GenerationUpdate Last)> DirectAsync()
    {
        var sampling = new SamplingSettings() with { Temperature = 0, Seed = Seed, MaxNewTokens = MaxTokens };
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
}
