using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace ConstitutionHub.Inference.Remote;

/// <summary>
/// A model served by an OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI, or another ConstitutionHub)
/// through Microsoft.Extensions.AI.OpenAI. This layer adds what that client does not know: our extra sampling fields,
/// errors a person can act on, timing, and the provenance of a remote reply (the endpoint and the remote model id).
/// </summary>
/// <remarks>
/// Sampling: temperature, top_p, max tokens, seed and stop are part of the OpenAI schema. top_k, min_p and
/// repetition_penalty are not; they travel as extra body fields, which vLLM, llama.cpp server and ConstitutionHub read.
/// OpenAI itself rejects unknown fields, so they are sent only when they differ from "off" (top_k 0, min_p 0,
/// repetition_penalty 1). Fields a request leaves unset are left to the server's defaults.
/// </remarks>
public sealed class RemoteChatClient : DelegatingChatClient
{
    /// <summary>Longest wait for any single network operation: connecting, the first byte, or the next chunk.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    private readonly ModelInfo info;
    private readonly string endpoint;
    private readonly string remoteModel;

    private RemoteChatClient(IChatClient inner, ModelInfo info, string endpoint, string remoteModel) : base(inner)
    {
        this.info = info;
        this.endpoint = endpoint;
        this.remoteModel = remoteModel;
    }

    public static RemoteChatClient Create(RemoteModelOptions options, ModelInfo info, TimeSpan? timeout = null)
    {
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint),
            NetworkTimeout = timeout ?? DefaultTimeout,
            // One retry for a dropped connection or a 503; more would hide an overloaded server from the user.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 1),
        };
        // Local servers (llama.cpp, vLLM without --api-key) want no key, but the client needs a credential.
        var key = string.IsNullOrEmpty(options.ApiKey) ? "no-key" : options.ApiKey;
        string remoteModel = string.IsNullOrEmpty(options.RemoteModel) ? options.Id : options.RemoteModel;
        var chat = new ChatClient(remoteModel, new ApiKeyCredential(key), clientOptions).AsIChatClient();
        return new RemoteChatClient(chat, info, options.Endpoint, remoteModel);
    }

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var sent = ForServer(options);
        var clock = Stopwatch.StartNew();
        double? firstTokenMs = null;
        int chunks = 0;
        long? seed = options?.Seed;

        await using var updates = base.GetStreamingResponseAsync(messages, sent, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await MoveNextAsync(updates, cancellationToken))
        {
            var update = updates.Current;
            if (update.Text.Length > 0)
            {
                firstTokenMs ??= clock.Elapsed.TotalMilliseconds;
                // Servers send about one token per chunk; usage (when it comes, at the end) corrects the count.
                (update.AdditionalProperties ??= [])[HubChat.CompletionTokensKey] = ++chunks;
            }
            yield return update;
        }

        var provenance = new AdditionalPropertiesDictionary
        {
            [HubChat.ExecutionProviderKey] = this.info.ExecutionProvider,
            [HubChat.EndpointKey] = this.endpoint,
            [HubChat.RemoteModelKey] = this.remoteModel,
            [HubChat.TokensPerSecondKey] = Rate(chunks, clock.Elapsed, firstTokenMs),
        };
        if (firstTokenMs is { } first) provenance[HubChat.TimeToFirstTokenKey] = first;
        if (seed is { } s) provenance[HubChat.SeedKey] = s;
        yield return new ChatResponseUpdate { Role = ChatRole.Assistant, ModelId = this.info.Id, AdditionalProperties = provenance };
    }

    /// <summary>The options as the server gets them: our extra fields in the body, our own keys (the user) left out.</summary>
    private static ChatOptions? ForServer(ChatOptions? options)
    {
        if (options is null) return null;
        // Honest refusals rather than a reply that silently ignores what was asked.
        if (HubChat.Choices(options) > 1)
            throw new InferenceException("invalid_request", "n > 1 is available for local models; ask a remote model once per reply.", "n");
        if (HubChat.TopLogprobs(options) is not null)
            throw new InferenceException("invalid_request", "Log probabilities are available for local models only.", "logprobs");
        if (options.AdditionalProperties?.ContainsKey(HubChat.FixedChoiceKey) == true)
            throw new InferenceException("invalid_request", "A fixed choice is available for local models; a remote one can take a JSON schema.", "choice");
        var sampling = HubChat.Sampling(options, SamplingSettings.OpenAiDefaults);
        var sent = options.Clone();
        sent.AdditionalProperties = null;
        sent.TopK = null;
        int topK = options.TopK ?? 0;
        double minP = sampling.MinP, penalty = sampling.RepetitionPenalty;
        var previous = options.RawRepresentationFactory;
        sent.RawRepresentationFactory = client =>
        {
            var raw = previous?.Invoke(client) as ChatCompletionOptions ?? new ChatCompletionOptions();
#pragma warning disable SCME0001 // extra body fields are marked experimental in the client
            if (topK > 0) raw.Patch.Set("$.top_k"u8, topK);
            if (minP > 0) raw.Patch.Set("$.min_p"u8, minP);
            if (penalty != 1) raw.Patch.Set("$.repetition_penalty"u8, penalty);
#pragma warning restore SCME0001
            return raw;
        };
        return sent;
    }

    /// <summary>Moves on, turning transport and server failures into errors a person can act on.</summary>
    private async ValueTask<bool> MoveNextAsync(IAsyncEnumerator<ChatResponseUpdate> updates, CancellationToken cancellationToken)
    {
        try
        {
            return await updates.MoveNextAsync();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (Describe(e) is { } error)
        {
            throw error;
        }
    }

    /// <summary>The failure as an <see cref="InferenceException"/>, or null for a bug that should surface as itself.</summary>
    private InferenceException? Describe(Exception e)
    {
        // After retries the client reports every attempt; the last one says what is wrong now.
        if (e is AggregateException { InnerExceptions.Count: > 0 } all) e = all.InnerExceptions[^1];
        return e switch
        {
            ClientResultException { Status: 400 or 413 or 422 } refused =>
                new InferenceException("model_error", $"{this.info.Id} refused the request: {ServerMessage(refused)}", inner: e),
            ClientResultException { Status: not 0 } answered =>
                new InferenceException("model_unavailable", $"{this.info.Id} at {this.endpoint} answered {answered.Status}: {ServerMessage(answered)}", inner: e),
            ClientResultException or HttpRequestException or SocketException or IOException =>
                new InferenceException("model_unavailable", $"{this.info.Id} at {this.endpoint} cannot be reached: {e.Message}", inner: e),
            // Cancelled without our token: the client's network timeout.
            OperationCanceledException =>
                new InferenceException("model_unavailable", $"{this.info.Id} at {this.endpoint} did not answer in time.", inner: e),
            _ => null,
        };
    }

    /// <summary>The error text the server sent, without the client's "HTTP 400 (...)" preamble when there is a body.</summary>
    private static string ServerMessage(ClientResultException e)
    {
        var body = e.GetRawResponse()?.Content?.ToString();
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == System.Text.Json.JsonValueKind.Object
                    && error.TryGetProperty("message", out var message) && message.GetString() is { Length: > 0 } text)
                    return text;
            }
            catch (System.Text.Json.JsonException)
            {
                // Not JSON: fall back to the client's own description below.
            }
        }
        return e.Message;
    }

    private static double Rate(int tokens, TimeSpan elapsed, double? firstTokenMs)
    {
        if (firstTokenMs is not { } first || tokens < 2) return 0;
        var seconds = (elapsed.TotalMilliseconds - first) / 1000;
        return seconds <= 0 ? 0 : (tokens - 1) / seconds;
    }
}
