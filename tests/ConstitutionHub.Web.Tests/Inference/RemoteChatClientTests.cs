using System.ClientModel;
using System.Net;
using System.Net.Sockets;
using ConstitutionHub.Inference;
using ConstitutionHub.Inference.Remote;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace ConstitutionHub.Web.Tests.Inference;

/// <summary>The remote model (Microsoft.Extensions.AI.OpenAI) talks to this server's own /v1 over real HTTP, reaching the stand-in local model.</summary>
[Collection(ServingCollection.Name)]
public sealed class RemoteChatClientTests(ServingFixture fixture)
{
    private static Microsoft.Extensions.AI.ChatMessage[] Say(string text) => [new(ChatRole.User, text)];

    private static async Task<List<ChatResponseUpdate>> Collect(IChatClient model, IEnumerable<Microsoft.Extensions.AI.ChatMessage> messages, SamplingSettings sampling)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in model.GetStreamingResponseAsync(messages, HubChat.Options(sampling, "remote-tester"), CancellationToken.None)) updates.Add(update);
        return updates;
    }

    private RemoteChatClient Direct(string remoteModel, string key = ServingFixture.Key, string? endpoint = null)
    {
        var options = new RemoteModelOptions { Id = "direct", Endpoint = endpoint ?? new Uri(fixture.Server.Address, "/v1").ToString(), RemoteModel = remoteModel, ApiKey = key };
        return RemoteChatClient.Create(options, new ModelInfo("direct", "direct", "remote", 0, 2048, "", "remote", false));
    }

    [Fact]
    public async Task The_remote_model_streams_text_usage_and_timings_and_sends_every_sampling_setting()
    {
        var model = fixture.Server.Services.GetRequiredService<IModelCatalog>().Find(ServingFixture.RemoteId)!;
        var sampling = new SamplingSettings(Temperature: 0.5, TopK: 7, TopP: 0.9, MinP: 0.2, RepetitionPenalty: 1.3, MaxNewTokens: 50, Seed: 42, StopStrings: ["zzz"]);

        var updates = await Collect(model, Say("over the wire"), sampling);

        Assert.Equal("You said: over the wire", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(Microsoft.Extensions.AI.ChatFinishReason.Stop, updates.Last(u => u.FinishReason is not null).FinishReason);
        var usage = updates.Last(u => u.Usage is not null).Usage!;
        Assert.Equal((3L, 5L), (usage.InputTokenCount, usage.OutputTokenCount));
        var last = updates[^1];
        Assert.NotNull(last.TimeToFirstTokenMs);
        var texts = updates.Where(u => u.Text.Length > 0).ToList();
        Assert.Equal(texts.Count, texts.Select(u => u.CompletionTokens).Distinct().Count());

        // Provenance of a remote reply: where it ran and under which name, not a weights hash.
        Assert.Equal("remote", last.AdditionalProperties![HubChat.ExecutionProviderKey]);
        Assert.Equal(new Uri(fixture.Server.Address, "/v1").ToString(), last.AdditionalProperties[HubChat.EndpointKey]);
        Assert.Equal(StandInLocalModel.Id, last.AdditionalProperties[HubChat.RemoteModelKey]);
        Assert.Equal(42L, last.AdditionalProperties[HubChat.SeedKey]);

        var seen = fixture.Model.LastRequest!;
        Assert.Equal((7, 0.2, 1.3, 50, 42L), (seen.Sampling.TopK, seen.Sampling.MinP, seen.Sampling.RepetitionPenalty, seen.Sampling.MaxNewTokens, seen.Sampling.Seed!.Value));
        Assert.Equal(0.5, seen.Sampling.Temperature, 1e-6);
        Assert.Equal(0.9, seen.Sampling.TopP, 1e-6);
        Assert.Equal(["zzz"], seen.Sampling.StopStrings!);
        Assert.Equal("key:ci", seen.UserId);
    }

    [Fact]
    public async Task The_remote_length_finish_comes_back_as_length()
    {
        var model = fixture.Server.Services.GetRequiredService<IModelCatalog>().Find(ServingFixture.RemoteId)!;

        var updates = await Collect(model, Say("a b c d e f"), SamplingSettings.Greedy(maxNewTokens: 2));

        Assert.Equal("You said:", string.Concat(updates.Select(u => u.Text)));
        Assert.Equal(Microsoft.Extensions.AI.ChatFinishReason.Length, updates.Last(u => u.FinishReason is not null).FinishReason);
    }

    [Fact]
    public async Task An_OpenAI_client_can_use_the_remote_model_through_our_api()
    {
        var chat = new ChatClient(ServingFixture.RemoteId, new ApiKeyCredential(ServingFixture.Key), new OpenAIClientOptions { Endpoint = new Uri(fixture.Server.Address, "/v1") });

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("two hops")]);
        var streamed = new List<string>();
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("two hops")]))
            streamed.AddRange(update.ContentUpdate.Select(p => p.Text));

        Assert.Equal("You said: two hops", completion.Content[0].Text);
        Assert.Equal("You said: two hops", string.Concat(streamed));
    }

    [Fact]
    public async Task Server_refusals_become_inference_errors_carrying_the_servers_message()
    {
        var unknown = await Assert.ThrowsAsync<InferenceException>(() => Collect(Direct("nope"), Say("hi"), SamplingSettings.Greedy()));
        Assert.Equal("model_unavailable", unknown.Code);
        Assert.Contains("404", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("The model 'nope' does not exist", unknown.Message, StringComparison.Ordinal);

        var badKey = await Assert.ThrowsAsync<InferenceException>(() => Collect(Direct(StandInLocalModel.Id, "wrong-key-0123456789abcdef"), Say("hi"), SamplingSettings.Greedy()));
        Assert.Equal("model_unavailable", badKey.Code);
        Assert.Contains("Incorrect API key provided", badKey.Message, StringComparison.Ordinal);

        var refused = await Assert.ThrowsAsync<InferenceException>(() =>
            Collect(Direct(StandInLocalModel.Id), [], SamplingSettings.Greedy()));
        Assert.Equal("model_error", refused.Code);
        Assert.Contains("1 to 200 messages", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_model_unavailable()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var error = await Assert.ThrowsAsync<InferenceException>(() =>
            Collect(Direct("x", endpoint: $"http://127.0.0.1:{port}/v1"), Say("hi"), SamplingSettings.Greedy()));

        Assert.Equal("model_unavailable", error.Code);
        Assert.Contains("cannot be reached", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_as_model_unavailable()
    {
        // Connections complete in the listen backlog, but nothing ever answers them.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/v1";
        var model = RemoteChatClient.Create(new RemoteModelOptions { Id = "silent", Endpoint = endpoint },
            new ModelInfo("silent", "silent", "remote", 0, 2048, "", "remote", false), timeout: TimeSpan.FromMilliseconds(300));

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<InferenceException>(() => Collect(model, Say("hi"), SamplingSettings.Greedy()));

        Assert.Equal("model_unavailable", error.Code);
        Assert.Contains("did not answer in time", error.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(20));
    }
}
