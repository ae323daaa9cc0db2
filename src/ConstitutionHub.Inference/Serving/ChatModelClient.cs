using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace ConstitutionHub.Inference.Serving;

/// <summary>
/// A model of this process (<see cref="IChatModel"/>: the ONNX engine) as an <see cref="IChatClient"/>: options become
/// our sampling settings (fields left unset take the model's defaults), updates become response updates with running
/// token counts, and the last one carries the finish reason, usage and provenance (weights hash, provider, seed).
/// </summary>
public sealed class ChatModelClient(IChatModel model) : IChatClient
{
    private readonly ChatClientMetadata metadata = new("constitutionhub", null, model.Info.Id);

    public IChatModel Model => model;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = Request(messages, options, model.Defaults);
        var info = model.Info;
        string responseId = $"chatcmpl-{Guid.NewGuid():N}";
        var created = DateTimeOffset.UtcNow;
        await foreach (var u in model.StreamAsync(request, cancellationToken).WithCancellation(cancellationToken))
        {
            if (u.QueuePosition is { } ahead && u.FinishReason is null)
            {
                yield return HubChat.Queued(ahead);
                continue;
            }
            var update = new ChatResponseUpdate(ChatRole.Assistant, u.TextDelta.Length > 0 ? u.TextDelta : null)
            {
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = info.Id,
                CreatedAt = created,
                AdditionalProperties = new AdditionalPropertiesDictionary { [HubChat.CompletionTokensKey] = u.CompletionTokens },
            };
            if (u.Choice != 0) update.AdditionalProperties[HubChat.ChoiceIndexKey] = u.Choice;
            if (u.Logprobs is { Count: > 0 } logprobs) update.AdditionalProperties[HubChat.TokenLogprobsKey] = logprobs;
            if (u.FinishReason is { } finish)
            {
                update.FinishReason = finish switch
                {
                    FinishReasons.Length => ChatFinishReason.Length,
                    FinishReasons.Cancelled => HubChat.Cancelled,
                    _ => ChatFinishReason.Stop,
                };
                update.Contents.Add(new UsageContent(new UsageDetails
                {
                    InputTokenCount = u.PromptTokens,
                    OutputTokenCount = u.CompletionTokens,
                    TotalTokenCount = u.PromptTokens + u.CompletionTokens,
                }));
                var properties = update.AdditionalProperties;
                properties[HubChat.WeightsSha256Key] = info.WeightsSha256;
                properties[HubChat.ExecutionProviderKey] = info.ExecutionProvider;
                if (request.Sampling.Seed is { } seed) properties[HubChat.SeedKey] = seed + u.Choice;
                if (u.TimeToFirstTokenMs is { } ttft) properties[HubChat.TimeToFirstTokenKey] = ttft;
                properties[HubChat.TokensPerSecondKey] = u.TokensPerSecond;
            }
            yield return update;
        }
    }

    /// <summary>The engine's request for these messages and options; refusals are <see cref="InferenceException"/>s naming the field.</summary>
    public static GenerationRequest Request(IEnumerable<AiChatMessage> messages, ChatOptions? options, SamplingSettings defaults)
    {
        var turns = messages.Select(ToTurn).ToList();
        var sampling = HubChat.Sampling(options, defaults);
        // A sampled reply always runs with a seed we know, so its provenance can say which.
        if (sampling.Seed is null) sampling = sampling with { Seed = Random.Shared.NextInt64() };
        return new GenerationRequest(turns, sampling, HubChat.User(options), HubChat.Constraint(options), HubChat.TopLogprobs(options), HubChat.Choices(options));
    }

    private static ChatMessage ToTurn(AiChatMessage message)
    {
        string role = message.Role.Value;
        if (role is not ("system" or "user" or "assistant"))
            throw new InferenceException("invalid_request", $"Messages must be system, user or assistant turns, not '{role}'.", "messages");
        return new ChatMessage(role, message.Text);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType.IsInstanceOfType(model) ? model
        : null;

    public void Dispose()
    {
        // The model belongs to the catalog, which outlives its clients.
    }
}
