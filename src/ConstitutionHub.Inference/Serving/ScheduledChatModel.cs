using System.Runtime.CompilerServices;

namespace ConstitutionHub.Inference.Serving;

/// <summary>
/// A model behind the <see cref="GenerationScheduler"/>: requests wait for a slot (reporting their queue
/// position) and the slot is freed however the generation ends: finished, failed, cancelled, or abandoned by a
/// consumer that stopped reading.
/// </summary>
public sealed class ScheduledChatModel(IChatModel inner, GenerationScheduler scheduler) : IChatModel
{
    public ModelInfo Info => inner.Info;

    public async IAsyncEnumerable<GenerationUpdate> StreamAsync(GenerationRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Refuse bad input before it takes anyone's place in the queue.
        Validate(request);
        cancellationToken.ThrowIfCancellationRequested();
        using var ticket = scheduler.Enter(Info.Id, request.UserId);
        // Leaves the queue the moment the caller cancels, even while it is not reading from this stream.
        using var leaveOnCancel = cancellationToken.Register(ticket.Dispose);

        while (!ticket.IsRunning)
        {
            var ahead = await ticket.NextAsync(cancellationToken);
            if (ahead is null) break;
            yield return new GenerationUpdate("", 0, 0, QueuePosition: ahead);
        }

        await foreach (var update in inner.StreamAsync(request, cancellationToken).WithCancellation(cancellationToken))
            yield return update;
    }

    private static void Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Messages is null || request.Messages.Count == 0)
            throw new InferenceException("invalid_request", "A conversation needs at least one message.", "messages");
        if (string.IsNullOrEmpty(request.UserId))
            throw new InferenceException("invalid_request", "The request has no user.", "user");
        request.Sampling.Validate();
    }
}
