using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace ConstitutionHub.Inference.Serving;

/// <summary>
/// A model behind the <see cref="GenerationScheduler"/>: requests wait for a slot (reporting their queue position, see
/// <see cref="HubChat.Queued"/>) and the slot is freed however the generation ends: finished, failed, cancelled, or
/// abandoned by a consumer that stopped reading. The person a request counts against is
/// <see cref="HubChat.UserKey"/> in the options.
/// </summary>
public sealed class ScheduledChatClient(IChatClient inner, ModelInfo info, GenerationScheduler scheduler) : DelegatingChatClient(inner)
{
    public ModelInfo Info => info;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var list = messages as IReadOnlyList<AiChatMessage> ?? messages.ToList();
        // Refuse bad input before it takes anyone's place in the queue.
        Validate(list, options);
        cancellationToken.ThrowIfCancellationRequested();
        using var ticket = scheduler.Enter(info.Id, HubChat.User(options));
        // Leaves the queue the moment the caller cancels, even while it is not reading from this stream.
        using var leaveOnCancel = cancellationToken.Register(ticket.Dispose);

        while (!ticket.IsRunning)
        {
            var ahead = await ticket.NextAsync(cancellationToken);
            if (ahead is null) break;
            yield return HubChat.Queued(ahead.Value);
        }

        await foreach (var update in base.GetStreamingResponseAsync(list, options, cancellationToken).WithCancellation(cancellationToken))
            yield return update;
    }

    private static void Validate(IReadOnlyList<AiChatMessage> messages, ChatOptions? options)
    {
        if (messages.Count == 0)
            throw new InferenceException("invalid_request", "A conversation needs at least one message.", "messages");
        if (HubChat.User(options).Length == 0)
            throw new InferenceException("invalid_request", "The request has no user.", "user");
        HubChat.Sampling(options, SamplingSettings.OpenAiDefaults).Validate();
    }
}
