using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using OpenAI;
using OpenAI.Chat;

namespace ConstitutionHub.Inference.Remote;

/// <summary>
/// A model served by an OpenAI-compatible server (vLLM, llama.cpp server, Ollama, OpenAI, or another
/// ConstitutionHub). Streams chat completions and maps them to <see cref="GenerationUpdate"/>s.
/// </summary>
/// <remarks>
/// Sampling: temperature, top_p, max tokens, seed and stop are part of the OpenAI schema. top_k, min_p and
/// repetition_penalty are not; they travel as extra body fields, which vLLM, llama.cpp server and ConstitutionHub
/// read. OpenAI itself rejects unknown fields, so against it they are sent only when they differ from "off"
/// (top_k 0, min_p 0, repetition_penalty 1): use <see cref="SamplingSettings.Greedy"/>-like settings there.
/// </remarks>
public sealed class RemoteChatModel : IChatModel
{
    /// <summary>Longest wait for any single network operation: connecting, the first byte, or the next chunk.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(120);

    private readonly ChatClient client;
    private readonly string endpoint;

    public RemoteChatModel(RemoteModelOptions options, ModelInfo info, TimeSpan? timeout = null)
    {
        Info = info;
        endpoint = options.Endpoint;
        var clientOptions = new OpenAIClientOptions
        {
            Endpoint = new Uri(options.Endpoint),
            NetworkTimeout = timeout ?? DefaultTimeout,
            // One retry for a dropped connection or a 503; more would hide an overloaded server from the user.
            RetryPolicy = new ClientRetryPolicy(maxRetries: 1),
        };
        // Local servers (llama.cpp, vLLM without --api-key) want no key, but the client needs a credential.
        var key = string.IsNullOrEmpty(options.ApiKey) ? "no-key" : options.ApiKey;
        client = new ChatClient(string.IsNullOrEmpty(options.RemoteModel) ? options.Id : options.RemoteModel,
            new ApiKeyCredential(key), clientOptions);
    }

    public ModelInfo Info { get; }

    public async IAsyncEnumerable<GenerationUpdate> StreamAsync(GenerationRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        request.Sampling.Validate();
        var messages = request.Messages.Select(ToOpenAi).ToList();
        var options = ToOptions(request.Sampling);

        var clock = Stopwatch.StartNew();
        double? firstTokenMs = null;
        int promptTokens = 0, completionTokens = 0, chunks = 0;
        string? finish = null;

        await using var updates = Stream(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (await MoveNextAsync(updates, cancellationToken))
        {
            var update = updates.Current;
            if (update.Usage is { } usage)
            {
                promptTokens = usage.InputTokenCount;
                completionTokens = usage.OutputTokenCount;
            }
            if (update.FinishReason is { } reason) finish = MapFinishReason(reason);

            var text = string.Concat(update.ContentUpdate.Select(part => part.Text));
            if (text.Length == 0) continue;
            firstTokenMs ??= clock.Elapsed.TotalMilliseconds;
            // Servers send about one token per chunk; usage (when it comes, at the end) corrects the count.
            completionTokens = Math.Max(completionTokens, ++chunks);
            yield return new GenerationUpdate(text, promptTokens, completionTokens,
                TimeToFirstTokenMs: firstTokenMs, TokensPerSecond: Rate(completionTokens, clock.Elapsed, firstTokenMs));
        }

        yield return new GenerationUpdate("", promptTokens, completionTokens, finish ?? FinishReasons.Stop,
            firstTokenMs, Rate(completionTokens, clock.Elapsed, firstTokenMs));
    }

    private IAsyncEnumerable<StreamingChatCompletionUpdate> Stream(List<OpenAI.Chat.ChatMessage> messages,
        ChatCompletionOptions options, CancellationToken cancellationToken) =>
        client.CompleteChatStreamingAsync(messages, options, cancellationToken);

    /// <summary>Moves on, turning transport and server failures into errors a person can act on.</summary>
    private async ValueTask<bool> MoveNextAsync(IAsyncEnumerator<StreamingChatCompletionUpdate> updates, CancellationToken cancellationToken)
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
                new InferenceException("model_error", $"{Info.Id} refused the request: {ServerMessage(refused)}", inner: e),
            ClientResultException { Status: not 0 } answered =>
                new InferenceException("model_unavailable", $"{Info.Id} at {endpoint} answered {answered.Status}: {ServerMessage(answered)}", inner: e),
            ClientResultException or HttpRequestException or SocketException or IOException =>
                new InferenceException("model_unavailable", $"{Info.Id} at {endpoint} cannot be reached: {e.Message}", inner: e),
            // Cancelled without our token: the client's network timeout.
            OperationCanceledException =>
                new InferenceException("model_unavailable", $"{Info.Id} at {endpoint} did not answer in time.", inner: e),
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

    private static OpenAI.Chat.ChatMessage ToOpenAi(ChatMessage message) => message.Role switch
    {
        "system" => new SystemChatMessage(message.Content),
        "user" => new UserChatMessage(message.Content),
        "assistant" => new AssistantChatMessage(message.Content),
        _ => throw new InferenceException("invalid_request", $"Unknown message role '{message.Role}'.", "messages"),
    };

#pragma warning disable OPENAI001, SCME0001 // Seed and extra body fields are marked experimental in the client.
    internal static ChatCompletionOptions ToOptions(SamplingSettings sampling)
    {
        var options = new ChatCompletionOptions
        {
            Temperature = (float)sampling.Temperature,
            TopP = (float)sampling.TopP,
            MaxOutputTokenCount = sampling.MaxNewTokens,
            Seed = sampling.Seed,
        };
        foreach (var stop in sampling.StopStrings ?? []) options.StopSequences.Add(stop);
        if (sampling.TopK > 0) options.Patch.Set("$.top_k"u8, sampling.TopK);
        if (sampling.MinP > 0) options.Patch.Set("$.min_p"u8, sampling.MinP);
        if (sampling.RepetitionPenalty != 1) options.Patch.Set("$.repetition_penalty"u8, sampling.RepetitionPenalty);
        return options;
    }
#pragma warning restore OPENAI001, SCME0001

    /// <summary>content_filter, tool_calls and function_call all end the text; our readers know stop and length.</summary>
    internal static string MapFinishReason(ChatFinishReason reason) =>
        reason == ChatFinishReason.Length ? FinishReasons.Length : FinishReasons.Stop;

    private static double Rate(int tokens, TimeSpan elapsed, double? firstTokenMs)
    {
        if (firstTokenMs is not { } first || tokens < 2) return 0;
        var seconds = (elapsed.TotalMilliseconds - first) / 1000;
        return seconds <= 0 ? 0 : (tokens - 1) / seconds;
    }
}
