using System.Security.Claims;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Inference;
using ConstitutionHub.Inference.Serving;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.AI;

namespace ConstitutionHub.Web.Features.Inference;

/// <summary>
/// The OpenAI-compatible surface: <c>GET /v1/models</c> and <c>POST /v1/chat/completions</c>, so any OpenAI client
/// (and another ConstitutionHub, as a remote model) can use our models. Callers are a signed-in person (cookie) or
/// a script with <c>Authorization: Bearer &lt;key&gt;</c>; either way they share the scheduler's fairness and limits.
/// </summary>
public static class OpenAiApi
{
    public const long MaxBodyBytes = 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never };

    public static IEndpointRouteBuilder MapOpenAiCompatibleApi(this IEndpointRouteBuilder app)
    {
        // Build the catalog now: a model folder that fails to load is reported at start, not at the first chat.
        _ = app.ServiceProvider.GetRequiredService<IModelCatalog>();
        // Cookie callers are safe without an antiforgery token: we accept only application/json, which a form on
        // another site cannot send, and a cross-site fetch with it needs a CORS preflight we never grant.
        var v1 = app.MapGroup("/v1").DisableAntiforgery();
        v1.MapGet("/models", ListModels);
        v1.MapPost("/chat/completions", ChatCompletions);
        return app;
    }

    private static async Task ListModels(HttpContext http, IModelCatalog catalog, GenerationScheduler scheduler, ApiKeyRing keys)
    {
        await Answer(http, async () =>
        {
            Authenticate(http, keys);
            var data = catalog.Models.Select(m =>
            {
                var load = scheduler.Load(m.Id);
                return new
                {
                    id = m.Id, @object = "model", created = Started, owned_by = "constitutionhub",
                    // Our extras; OpenAI clients ignore them.
                    display_name = m.DisplayName, architecture = m.Architecture, parameters = m.ParameterCount,
                    context_length = m.ContextLength, sha256 = m.WeightsSha256, execution_provider = m.ExecutionProvider,
                    is_demo = m.IsDemo, is_default = m.Id == catalog.DefaultModelId, available = m.IsAvailable, error = m.Error,
                    running = load.Running, queued = load.Queued,
                };
            });
            await WriteJson(http, 200, new { @object = "list", data });
        });
    }

    private static async Task ChatCompletions(HttpContext http, IModelCatalog catalog, ApiKeyRing keys)
    {
        await Answer(http, async () =>
        {
            var user = Authenticate(http, keys);
            var call = ChatCompletionRequest.Parse(await ReadBodyAsync(http), user);
            var model = Resolve(catalog, call.Model);
            var id = $"chatcmpl-{Guid.NewGuid():N}";
            // A client that disconnects aborts the request, which cancels the generation and frees its slot.
            await using var updates = model.GetStreamingResponseAsync(call.AiMessages(), call.Options, http.RequestAborted).GetAsyncEnumerator(http.RequestAborted);
            // Nothing is written before the first update, so refusals (limits, bad prompts) keep their status code.
            if (!await updates.MoveNextAsync())
                throw new InferenceException("model_error", $"{call.Model} ended without an answer.");
            if (call.Stream) await StreamAsync(http, id, call.Model, call.IncludeUsage, updates);
            else await CompleteAsync(http, id, call.Model, updates);
        });
    }

    private static readonly long Started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>The fairness key: the signed-in person's id, or the API key's name.</summary>
    private static string Authenticate(HttpContext http, ApiKeyRing keys)
    {
        // A personal access token was checked (and its chat or read scope) by the token gate before this endpoint.
        if (http.User.HasClaim(c => c.Type == Tokens.TokenAuthentication.TokenClaim)) return http.User.FindFirstValue(ClaimTypes.NameIdentifier)!;
        var header = http.Request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            // A presented key must be right even for a signed-in browser: a wrong key is a mistake worth reporting.
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || keys.Match(header["Bearer ".Length..].Trim()) is not { } name)
                throw new OpenAiError(401, "Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");
            return $"key:{name}";
        }
        if (http.User.Identity?.IsAuthenticated == true && http.User.FindFirstValue(ClaimTypes.NameIdentifier) is { } id) return id;
        throw new OpenAiError(401, "Sign in, or send an API key as Authorization: Bearer <key>.", "invalid_request_error", null, "missing_api_key");
    }

    private static IChatClient Resolve(IModelCatalog catalog, string id)
    {
        if (catalog.Find(id) is { } model) return model;
        if (catalog.Models.FirstOrDefault(m => m.Id == id) is { Error: { } error })
            throw new OpenAiError(503, $"The model {id} cannot run: {error}", "server_error", "model", "model_unavailable");
        throw new OpenAiError(404, $"The model '{id}' does not exist. GET /v1/models lists the models.", "invalid_request_error", "model", "model_not_found");
    }

    private static async Task<JsonElement> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
            throw OpenAiError.Invalid("Send JSON with Content-Type: application/json.", null, "invalid_content_type");
        if (http.Request.ContentLength > MaxBodyBytes) throw TooLarge();
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        try
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            MustBeUnicode(document.RootElement);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw OpenAiError.Invalid($"The body is not valid JSON: {e.Message}", null, "invalid_json");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge();
        }
    }

    /// <summary>JSON may escape half a surrogate pair (<c>"\ud800"</c>); such a string has no UTF-8 form, so reading it
    /// later would throw deep inside the request. Refuse it here, as the client's error.</summary>
    private static void MustBeUnicode(JsonElement root)
    {
        try
        {
            ReadEveryString(root);
        }
        catch (InvalidOperationException)
        {
            throw OpenAiError.Invalid("The body holds a string that is not valid Unicode (a lone surrogate such as \\ud800).", null, "invalid_unicode");
        }
    }

    /// <summary>Reads every name and string once; <see cref="JsonElement.GetString"/> throws on an unpaired surrogate.</summary>
    private static void ReadEveryString(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    ReadEveryString(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) ReadEveryString(item);
                break;
            case JsonValueKind.String:
                element.GetString();
                break;
        }
    }

    private static OpenAiError TooLarge() =>
        new(413, $"The body is larger than {MaxBodyBytes:N0} bytes.", "invalid_request_error", null, "request_too_large");

    private static async Task CompleteAsync(HttpContext http, string id, string model, IAsyncEnumerator<ChatResponseUpdate> updates)
    {
        var replies = new Replies();
        do replies.Observe(updates.Current);
        while (await updates.MoveNextAsync());

        await WriteJson(http, 200, new
        {
            id, @object = "chat.completion", created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), model,
            choices = replies.All.Select(r => new
            {
                index = r.Index,
                message = new { role = "assistant", content = r.Text.ToString() },
                logprobs = r.Logprobs is null ? null : new { content = r.Logprobs.Select(Logprob), refusal = (object?)null },
                finish_reason = r.FinishReason,
            }),
            usage = replies.Usage(),
        });
    }

    /// <summary>OpenAI's shape of a token's log probability.</summary>
    private static object Logprob(TokenLogprob t) => new
    {
        token = t.Token, logprob = t.Logprob, bytes = t.Bytes.Select(b => (int)b),
        top_logprobs = t.TopLogprobs.Select(a => new { token = a.Token, logprob = a.Logprob, bytes = a.Bytes.Select(b => (int)b) }),
    };

    /// <summary>The replies of a request (one, or n), as their updates tell them.</summary>
    private sealed class Replies
    {
        private readonly SortedDictionary<int, Reply> byIndex = [];
        private long prompt;

        public IEnumerable<Reply> All => byIndex.Count == 0 ? [For(0)] : byIndex.Values;

        public Reply For(int index)
        {
            if (!byIndex.TryGetValue(index, out var reply)) byIndex[index] = reply = new Reply(index);
            return reply;
        }

        /// <summary>Takes one update in; returns its reply.</summary>
        public Reply Observe(ChatResponseUpdate update)
        {
            var reply = For(update.ChoiceIndex);
            reply.Text.Append(update.Text);
            if (update.Logprobs is { } logprobs) (reply.Logprobs ??= []).AddRange(logprobs);
            if (update.FinishReason is { } reason) reply.FinishReason = reason == ChatFinishReason.Length ? "length" : "stop";
            if (update.CompletionTokens is { } tokens) reply.CompletionTokens = tokens;
            if (update.Usage is { } usage)
            {
                prompt = usage.InputTokenCount ?? prompt;
                reply.CompletionTokens = usage.OutputTokenCount ?? reply.CompletionTokens;
            }
            return reply;
        }

        /// <summary>The prompt counts once; completion tokens add up over the replies.</summary>
        public object Usage()
        {
            long completion = All.Sum(r => r.CompletionTokens);
            return new { prompt_tokens = prompt, completion_tokens = completion, total_tokens = prompt + completion };
        }
    }

    private sealed class Reply(int index)
    {
        public int Index { get; } = index;
        public System.Text.StringBuilder Text { get; } = new();
        public List<TokenLogprob>? Logprobs { get; set; }

        /// <summary>"cancelled" is ours, not OpenAI's; it only happens when the caller went away, so "stop" is as good.</summary>
        public string FinishReason { get; set; } = "stop";
        public long CompletionTokens { get; set; }
        public bool SentRole { get; set; }
        public bool SentFinish { get; set; }
    }

    /// <summary>
    /// Server-sent events: <c>chat.completion.chunk</c>s with each reply's text deltas (and log probabilities), a chunk
    /// with each reply's finish reason when it ends, the usage chunk when asked for, then <c>[DONE]</c>. Queue positions
    /// go out as SSE comments, which OpenAI clients skip, and which keep proxies from closing a connection that waits.
    /// </summary>
    private static async Task StreamAsync(HttpContext http, string id, string model, bool includeUsage, IAsyncEnumerator<ChatResponseUpdate> updates)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "text/event-stream; charset=utf-8";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var replies = new Replies();

        object Chunk(int index, object delta, IReadOnlyList<TokenLogprob>? logprobs, string? finish) => new
        {
            id, @object = "chat.completion.chunk", created, model,
            choices = new[] { new { index, delta, logprobs = logprobs is null ? null : new { content = logprobs.Select(Logprob) }, finish_reason = finish } },
            usage = (object?)null,
        };

        try
        {
            do
            {
                var update = updates.Current;
                if (update.QueuePosition is { } ahead)
                {
                    await WriteEvent(http, $": queued, {ahead} ahead");
                    continue;
                }
                var reply = replies.Observe(update);
                if (update.Text.Length > 0 || update.Logprobs is { Count: > 0 })
                {
                    var delta = reply.SentRole ? (object)new { content = update.Text } : new { role = "assistant", content = update.Text };
                    reply.SentRole = true;
                    await WriteData(http, Chunk(reply.Index, delta, update.Logprobs, null));
                }
                if (update.FinishReason is not null && !reply.SentFinish)
                {
                    reply.SentFinish = true;
                    await WriteData(http, Chunk(reply.Index, reply.SentRole ? new { } : new { role = "assistant", content = "" }, null, reply.FinishReason));
                }
            }
            while (await updates.MoveNextAsync());
        }
        catch (InferenceException e)
        {
            // Headers are out: the error travels as an event, as OpenAI-compatible servers do mid-stream.
            var error = FromInference(e);
            await WriteData(http, new { error = new { message = error.Message, type = error.Type, param = error.Param, code = error.Code } });
            return;
        }

        foreach (var reply in replies.All.Where(r => !r.SentFinish))
            await WriteData(http, Chunk(reply.Index, reply.SentRole ? new { } : new { role = "assistant", content = "" }, null, reply.FinishReason));
        if (includeUsage)
            await WriteData(http, new { id, @object = "chat.completion.chunk", created, model, choices = Array.Empty<object>(), usage = replies.Usage() });
        await WriteEvent(http, "data: [DONE]");
    }

    private static Task WriteData(HttpContext http, object payload) => WriteEvent(http, "data: " + JsonSerializer.Serialize(payload, Json));

    private static async Task WriteEvent(HttpContext http, string line)
    {
        await http.Response.WriteAsync(line + "\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static async Task WriteJson(HttpContext http, int status, object payload)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json; charset=utf-8";
        await http.Response.WriteAsync(JsonSerializer.Serialize(payload, Json), http.RequestAborted);
    }

    /// <summary>Runs an endpoint, turning refusals into OpenAI-shaped errors and a vanished client into silence.</summary>
    private static async Task Answer(HttpContext http, Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away; the generation is cancelled and nobody is left to answer.
        }
        catch (Exception e) when (e is OpenAiError or InferenceException && !http.Response.HasStarted)
        {
            var error = e as OpenAiError ?? FromInference((InferenceException)e);
            if (error.Status == 401) http.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteJson(http, error.Status, new { error = new { message = error.Message, type = error.Type, param = error.Param, code = error.Code } });
        }
    }

    internal static OpenAiError FromInference(InferenceException e) => e.Code switch
    {
        "invalid_sampling" or "invalid_request" => OpenAiError.Invalid(e.Message, e.Field),
        "context_exceeded" => OpenAiError.Invalid(e.Message, e.Field ?? "messages", "context_length_exceeded"),
        "user_limit" or "queue_full" => new OpenAiError(429, e.Message, "rate_limit_error", null, e.Code),
        "model_unavailable" or "runtime_missing" => new OpenAiError(503, e.Message, "server_error", null, e.Code),
        _ => new OpenAiError(500, e.Message, "server_error", null, e.Code),
    };
}
