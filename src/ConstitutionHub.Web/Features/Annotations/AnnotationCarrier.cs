using System.Threading.Channels;
using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;

namespace ConstitutionHub.Web.Features.Annotations;

/// <summary>
/// Re-anchors a constitution's annotations as soon as a revision of it is committed on this node (Marten's commit
/// hook), then tells its readers. Each node carries the revisions saved through it; a page that finds annotations
/// not yet carried (the node died in between) carries them itself before showing them.
/// </summary>
public sealed class AnnotationCarrier(CommitAnnouncer commits, AnnotationCommands commands, AnnotationFeed feed, ILogger<AnnotationCarrier> logger)
    : BackgroundService
{
    private readonly Channel<Guid> queue = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = commits.OnCommitted(OnCommitted);
        await foreach (var constitutionId in queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                if (await commands.CarryForwardAsync(constitutionId, stoppingToken) > 0) await feed.AnnounceAsync(constitutionId);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Re-anchoring the annotations of {Constitution} failed; readers will retry", constitutionId);
            }
        }
    }

    // Runs on the committing request's path: only queue.
    private void OnCommitted(IReadOnlyList<StoredEvent> events)
    {
        if (events.Count == 0 || !events.Any(e => e.Data is RevisionCommitted)) return;
        var stream = events[0].StreamId;
        if (stream.StartsWith("constitution-", StringComparison.Ordinal) && Guid.TryParseExact(stream.AsSpan("constitution-".Length), "N", out var id))
            queue.Writer.TryWrite(id);
    }
}
