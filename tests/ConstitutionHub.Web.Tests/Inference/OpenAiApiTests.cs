using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Inference.Serving;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Inference;

[Collection(ServingCollection.Name)]
public sealed class OpenAiApiTests(ServingFixture fixture)
{
    private OpenAIClientOptions ClientOptions() => new() { Endpoint = new Uri(fixture.Server.Address, "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) };

    private ChatClient Chat(string model = StandInLocalModel.Id, string key = ServingFixture.Key) => new(model, new ApiKeyCredential(key), ClientOptions());

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> Error(HttpResponseMessage response)
    {
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").Clone();
    }

    [Fact]
    public async Task The_OpenAI_client_lists_the_models_and_the_listing_carries_our_extras()
    {
        var models = await new OpenAIModelClient(new ApiKeyCredential(ServingFixture.Key), ClientOptions()).GetModelsAsync();

        Assert.Equal([StandInLocalModel.Id, StandInLocalModel.BrokenId, ServingFixture.RemoteId], models.Value.Select(m => m.Id));
        Assert.All(models.Value, m => Assert.Equal("constitutionhub", m.OwnedBy));

        using var raw = JsonDocument.Parse(await fixture.KeyClient().GetStringAsync("/v1/models"));
        Assert.Equal("list", raw.RootElement.GetProperty("object").GetString());
        var demo = raw.RootElement.GetProperty("data")[0];
        Assert.True(demo.GetProperty("is_demo").GetBoolean());
        Assert.True(demo.GetProperty("is_default").GetBoolean());
        Assert.Equal(StandInLocalModel.Sha256, demo.GetProperty("sha256").GetString());
        Assert.Equal(2048, demo.GetProperty("context_length").GetInt32());
        var broken = raw.RootElement.GetProperty("data")[1];
        Assert.False(broken.GetProperty("available").GetBoolean());
        Assert.Contains("model.onnx is missing", broken.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("remote", raw.RootElement.GetProperty("data")[2].GetProperty("execution_provider").GetString());
    }

    [Fact]
    public async Task A_non_streaming_completion_answers_with_text_finish_reason_and_usage()
    {
        ChatCompletion completion = await Chat().CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("hello there")]);

        Assert.Equal("You said: hello there", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(4, completion.Usage.InputTokenCount);
        Assert.Equal(4, completion.Usage.OutputTokenCount);
        Assert.Equal(StandInLocalModel.Id, completion.Model);
    }

    [Fact]
    public async Task A_streaming_completion_arrives_in_chunks_with_a_finish_reason_and_usage()
    {
        var chunks = new List<string>();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;

        await foreach (var update in Chat().CompleteChatStreamingAsync([new UserChatMessage("stream me please")]))
        {
            chunks.AddRange(update.ContentUpdate.Select(p => p.Text));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(["You", " said:", " stream", " me", " please"], chunks);
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal((3, 5), (usage.InputTokenCount, usage.OutputTokenCount));
    }

    [Fact]
    public async Task Sampling_parameters_reach_the_model_including_the_ones_outside_the_OpenAI_schema()
    {
        var response = await fixture.KeyClient().PostAsync("/v1/chat/completions", Json(new
        {
            model = StandInLocalModel.Id, messages = new[] { new { role = "user", content = "one two three" } },
            temperature = 0.5, top_p = 0.9, top_k = 7, min_p = 0.2, repetition_penalty = 1.3, max_tokens = 3, seed = 42, stop = "zzz",
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal("You said: one", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        var sampling = fixture.Model.LastRequest!.Sampling;
        Assert.Equal((0.5, 0.9, 7, 0.2, 1.3, 3, 42L), (sampling.Temperature, sampling.TopP, sampling.TopK, sampling.MinP, sampling.RepetitionPenalty, sampling.MaxNewTokens, sampling.Seed!.Value));
        Assert.Equal(["zzz"], sampling.StopStrings!);
        Assert.Equal("key:ci", fixture.Model.LastRequest.UserId);
    }

    [Fact]
    public async Task Unset_sampling_fields_take_the_models_defaults_not_the_chat_uis()
    {
        var response = await fixture.KeyClient().PostAsync("/v1/chat/completions", Json(new
        {
            model = StandInLocalModel.Id, messages = new[] { new { role = "user", content = "defaults" } },
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The stand-in has no generation_config.json, so OpenAI's defaults apply: temperature 1, no cuts, no penalty.
        var sampling = fixture.Model.LastRequest!.Sampling;
        Assert.Equal(ConstitutionHub.Inference.SamplingSettings.OpenAiDefaults, sampling with { Seed = null });
        Assert.NotNull(sampling.Seed); // a sampled reply always runs with a known seed
    }

    [Fact]
    public async Task Stop_strings_given_as_an_array_end_the_answer()
    {
        ChatCompletion completion = await Chat().CompleteChatAsync([new UserChatMessage("alpha beta gamma")],
            new ChatCompletionOptions { StopSequences = { "gamma", "delta" } });

        Assert.Equal("You said: alpha beta ", completion.Content[0].Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
    }

    [Theory]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"temperature":9}""", "temperature")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"temperature":"hot"}""", "temperature")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"top_k":-1}""", "top_k")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"max_completion_tokens":99999}""", "max_completion_tokens")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"stop":5}""", "stop")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"robot","content":"hi"}]}""", "messages[0].role")]
    [InlineData("""{"model":"demo-standin","messages":[]}""", "messages")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"n":17}""", "n")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}]}""", "model")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"top_logprobs":2}""", "top_logprobs")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"logprobs":true,"top_logprobs":21}""", "top_logprobs")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"xml"}}""", "response_format.type")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema"}}""", "response_format.json_schema")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"guided_choice":"A"}""", "guided_choice")]
    [InlineData("""{"model":"demo-standin","messages":[{"role":"user","content":"hi"}],"presence_penalty":0.5}""", "presence_penalty")]
    public async Task Bad_parameters_get_400_naming_the_parameter(string body, string param)
    {
        var response = await fixture.KeyClient().PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await Error(response);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task The_OpenAI_client_sees_a_bad_temperature_as_a_400()
    {
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            Chat().CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { Temperature = 9 }));

        Assert.Equal(400, error.Status);
        Assert.Contains("temperature must be between 0 and 5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Too_many_messages_and_too_large_bodies_are_refused()
    {
        var many = Enumerable.Range(0, 201).Select(_ => new { role = "user", content = "hi" }).ToArray();
        var tooMany = await fixture.KeyClient().PostAsync("/v1/chat/completions", Json(new { model = StandInLocalModel.Id, messages = many }));
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("1 to 200 messages", (await Error(tooMany)).GetProperty("message").GetString(), StringComparison.Ordinal);

        var huge = await fixture.KeyClient().PostAsync("/v1/chat/completions",
            Json(new { model = StandInLocalModel.Id, messages = new[] { new { role = "user", content = new string('x', 1_100_000) } } }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, huge.StatusCode);
        Assert.Equal("request_too_large", (await Error(huge)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_unknown_model_is_404_and_a_broken_one_503()
    {
        var unknown = await fixture.KeyClient().PostAsync("/v1/chat/completions", Json(new { model = "nope", messages = new[] { new { role = "user", content = "hi" } } }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var error = await Error(unknown);
        Assert.Equal(("model_not_found", "model"), (error.GetProperty("code").GetString(), error.GetProperty("param").GetString()));

        var broken = await fixture.KeyClient().PostAsync("/v1/chat/completions", Json(new { model = StandInLocalModel.BrokenId, messages = new[] { new { role = "user", content = "hi" } } }));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, broken.StatusCode);
        Assert.Contains("model.onnx is missing", (await Error(broken)).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_key_or_with_a_wrong_one_the_answer_is_401_in_the_OpenAI_shape()
    {
        var body = Json(new { model = StandInLocalModel.Id, messages = new[] { new { role = "user", content = "hi" } } });
        var none = await fixture.Server.Client(cookies: false).PostAsync("/v1/chat/completions", body);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("missing_api_key", (await Error(none)).GetProperty("code").GetString());

        var wrong = await fixture.KeyClient("wrong-key-0123456789abcdef").GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("invalid_api_key", (await Error(wrong)).GetProperty("code").GetString());

        var error = await Assert.ThrowsAsync<ClientResultException>(() => Chat(key: "wrong-key-0123456789abcdef").CompleteChatAsync([new UserChatMessage("hi")]));
        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task A_signed_in_person_can_use_the_api_with_their_cookie()
    {
        var client = await fixture.Server.SignedInClientAsync("Grace");

        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = StandInLocalModel.Id, messages = new[] { new { role = "user", content = "cookie" } } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("local:grace", fixture.Model.LastRequest!.UserId);
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_its_generation_and_frees_the_slot()
    {
        fixture.Model.ResetWaits();
        var scheduler = fixture.Server.Services.GetRequiredService<GenerationScheduler>();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json(new { model = StandInLocalModel.Id, stream = true, messages = new[] { new { role = "user", content = "wait" } } }),
        };
        var client = fixture.KeyClient();
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await fixture.Model.Waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, scheduler.Load(StandInLocalModel.Id).Running);

        response.Dispose();
        client.Dispose();

        await fixture.Model.Cancelled.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => scheduler.Load(StandInLocalModel.Id).Running == 0, "the scheduler to let go of the cancelled run");
        Assert.Equal(new ModelLoad(0, 0), scheduler.Load(StandInLocalModel.Id));
    }

    [Fact]
    public async Task A_third_request_from_the_same_key_gets_429_with_the_reason()
    {
        var scheduler = fixture.Server.Services.GetRequiredService<GenerationScheduler>();
        using var cancel = new CancellationTokenSource();
        var clients = new List<HttpClient>();
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 2; i++)
        {
            var client = fixture.KeyClient(ServingFixture.LimitKey);
            clients.Add(client);
            responses.Add(await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Json(new { model = StandInLocalModel.Id, stream = true, messages = new[] { new { role = "user", content = "wait" } } }),
            }, HttpCompletionOption.ResponseHeadersRead, cancel.Token));
        }

        var third = await fixture.KeyClient(ServingFixture.LimitKey).PostAsync("/v1/chat/completions",
            Json(new { model = StandInLocalModel.Id, messages = new[] { new { role = "user", content = "hi" } } }));

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        var error = await Error(third);
        Assert.Equal("user_limit", error.GetProperty("code").GetString());
        Assert.Equal("You already have 2 chats generating; wait for one to finish.", error.GetProperty("message").GetString());

        foreach (var r in responses) r.Dispose();
        foreach (var c in clients) c.Dispose();
        await Eventually.TrueAsync(() => scheduler.Load(StandInLocalModel.Id).Running == 0, "the scheduler to let go of the cancelled run");
        Assert.Equal(new ModelLoad(0, 0), scheduler.Load(StandInLocalModel.Id));
    }

    [Fact]
    public async Task A_raw_stream_is_server_sent_events_with_queue_comments_role_first_and_done_last()
    {
        fixture.Model.ResetWaits();
        var scheduler = fixture.Server.Services.GetRequiredService<GenerationScheduler>();
        var holders = new List<(HttpClient Client, HttpResponseMessage Response)>();
        for (var i = 0; i < scheduler.SlotsPerModel; i++)
        {
            var holder = fixture.KeyClient(ServingFixture.LimitKey);
            holders.Add((holder, await holder.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = Json(new { model = StandInLocalModel.Id, stream = true, messages = new[] { new { role = "user", content = "wait" } } }),
            }, HttpCompletionOption.ResponseHeadersRead)));
        }

        using var client = fixture.KeyClient();
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json(new { model = StandInLocalModel.Id, stream = true, messages = new[] { new { role = "user", content = "queued one" } } }),
        }, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal(": queued, 0 ahead", await reader.ReadLineAsync());
        foreach (var (holder, held) in holders) { held.Dispose(); holder.Dispose(); }
        var events = (await reader.ReadToEndAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        Assert.Equal("data: [DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("You said: queued one", string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var t) ? t.GetString() : "")));
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        // Without stream_options.include_usage there is no usage chunk.
        Assert.All(chunks, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("usage").ValueKind));
    }

    [Fact]
    public async Task A_model_failing_mid_answer_is_a_500_before_the_headers_and_an_error_event_after_them()
    {
        var body = new { model = StandInLocalModel.Id, messages = new[] { new { role = "user", content = "fail" } } };
        var whole = await fixture.KeyClient().PostAsync("/v1/chat/completions", Json(body));
        Assert.Equal(HttpStatusCode.InternalServerError, whole.StatusCode);
        Assert.Equal("model_error", (await Error(whole)).GetProperty("code").GetString());

        var streamed = await fixture.KeyClient().PostAsync("/v1/chat/completions", Json(new { body.model, body.messages, stream = true }));
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var events = (await streamed.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("Partly", events[0], StringComparison.Ordinal);
        using var last = JsonDocument.Parse(events[^1]["data: ".Length..]);
        Assert.Equal("The stand-in model failed on purpose.", last.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.DoesNotContain("data: [DONE]", events);
    }
}
