using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using JasperFx.Events;
using Marten;
using Marten.Services;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ConstitutionHub.Core.Streams;

/// <summary>
/// Marten's commit hook, and the one place that tells the live fan-out what was written: right after a session
/// commits events, the in-process listeners (<see cref="OnCommitted"/>) get them, then a PostgreSQL NOTIFY on
/// <see cref="Channel"/> per stream tells every node (this one included).
/// </summary>
/// <param name="moreEvents">Aliases of events beyond ours (tests), to read them back from a notification.</param>
/// <param name="logger">Where a failing in-process listener or notification is reported.</param>
public sealed class CommitAnnouncer(NpgsqlDataSource dataSource, IReadOnlyDictionary<string, Type>? moreEvents = null,
    ILogger<CommitAnnouncer>? logger = null) : DocumentSessionListenerBase, IAsyncDisposable
{
    /// <summary>Channel of the notification sent after each commit; payload is <see cref="StreamChanged"/> as JSON.</summary>
    public const string Channel = "hub_events";

    /// <summary>PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; a commit whose events would not fit is
    /// announced without them, and listeners read the stream instead.</summary>
    public const int MaxNotificationBytes = 7900;

    private readonly Lock listenersGate = new();
    private ImmutableArray<Action<IReadOnlyList<StoredEvent>>> committedListeners = [];

    /// <summary>
    /// Hands the events of every commit on this node (one stream at a time) to <paramref name="listener"/> right
    /// after commit, before the notification goes out: a live view on this node need not wait for the database to
    /// echo its own write. Other nodes still learn only from the notification, so a listener must treat both as the
    /// same news (by stream version). The listener runs on the committing caller's path: it must return at once.
    /// </summary>
    public IDisposable OnCommitted(Action<IReadOnlyList<StoredEvent>> listener)
    {
        lock (listenersGate) committedListeners = committedListeners.Add(listener);
        return new Unsubscriber(() =>
        {
            lock (listenersGate) committedListeners = committedListeners.Remove(listener);
        });
    }

    /// <summary>Commits waiting for their notification, in commit order; one sender drains them.</summary>
    private readonly Channel<IReadOnlyList<StoredEvent>> unannounced =
        System.Threading.Channels.Channel.CreateUnbounded<IReadOnlyList<StoredEvent>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock senderGate = new();
    private Task? sender;

    /// <summary>Notifications that could not be sent (the database was unreachable): the streams stay the truth, a
    /// node that missed one catches up at its next notification or read.</summary>
    public long FailedNotifications => Interlocked.Read(ref failedNotifications);
    private long failedNotifications;

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var stream in commit.GetEvents().GroupBy(e => e.StreamKey!))
        {
            var stored = stream.OrderBy(e => e.Version).Select(e => e.ToStored()).ToList();
            TellCommitted(stored);
            unannounced.Writer.TryWrite(stored);
        }
        EnsureSender();
        return Task.CompletedTask;
    }

    private void TellCommitted(IReadOnlyList<StoredEvent> stored)
    {
        foreach (var listener in committedListeners)
        {
            // The commit has happened: a listener's failure is its own and must not make the caller retry it. The
            // listeners are the live fan-out's, which log their own failures; this one only keeps the commit whole.
            try { listener(stored); }
            catch (Exception e) { logger?.LogWarning(e, "A commit listener failed on stream {Stream}", stored[0].StreamId); }
        }
    }

    private void EnsureSender()
    {
        if (Volatile.Read(ref sender) is not null) return;
        lock (senderGate) sender ??= Task.Run(SendAsync);
    }

    /// <summary>
    /// Sends the NOTIFYs after their commits, off the committing caller's path: an append returns once it is durable
    /// and this node's listeners have it, instead of waiting one more round trip. Commits that pile up while a send is
    /// under way go out together, one batch and one tiny transaction for all of them. Not inside the append's own
    /// transaction: a NOTIFY there takes a database-wide lock until commit, which would queue every append behind
    /// every other append's disk flush. A process that dies between commit and notify costs other nodes one wake-up;
    /// the stream itself is the source of truth.
    /// </summary>
    private async Task SendAsync()
    {
        const int MaxPerBatch = 256;
        var payloads = new List<string>(MaxPerBatch);
        while (await unannounced.Reader.WaitToReadAsync())
        {
            payloads.Clear();
            try
            {
                while (payloads.Count < MaxPerBatch && unannounced.Reader.TryRead(out var stored))
                    payloads.Add(Announcement(stored[0].StreamId, stored));
                await NotifyAsync(payloads);
            }
            catch (Exception e)
            {
                // Whatever went wrong (the database away, the data source disposed), the sender must live on.
                Interlocked.Add(ref failedNotifications, Math.Max(1, payloads.Count));
                logger?.LogWarning(e, "{Count} commit notifications could not be sent", payloads.Count);
            }
        }
    }

    private Task NotifyAsync(List<string> payloads) =>
        PgNotify.SendAsync(dataSource, payloads.Select(p => (Channel, p)).ToList());

    /// <summary>Sends what is still waiting, then stops the sender.</summary>
    public async ValueTask DisposeAsync()
    {
        unannounced.Writer.TryComplete();
        Task? running;
        lock (senderGate) running = sender;
        if (running is not null) await running;
    }

    /// <summary>The notification of a commit to one stream, carrying its events when they are small (a token batch
    /// is), so a listening node can act on them without a query.</summary>
    private static string Announcement(string streamId, IReadOnlyList<StoredEvent> stored)
    {
        var type = StreamTypeOf(streamId);
        var events = stored.Select(e => new AnnouncedEvent(e.Sequence, e.Id, e.Version, e.Type,
            JsonSerializer.SerializeToElement(e.Data, e.Data.GetType(), HubJson.Options), e.Metadata)).ToList();
        var full = JsonSerializer.Serialize(new StreamChanged(streamId, type, stored[^1].Version, events));
        return Encoding.UTF8.GetByteCount(full) <= MaxNotificationBytes
            ? full
            : JsonSerializer.Serialize(new StreamChanged(streamId, type, stored[^1].Version));
    }

    /// <summary>"chat" for "chat-…": stream ids start with their kind.</summary>
    private static string StreamTypeOf(string streamId) => streamId[..Math.Max(0, streamId.IndexOf('-', StringComparison.Ordinal))];

    /// <summary>The events a notification carries, typed as a read would return them; null when it carries none
    /// (too large) and the stream must be read.</summary>
    public IReadOnlyList<StoredEvent>? EventsOf(StreamChanged changed) =>
        changed.Events?.Select(e => new StoredEvent(e.Sequence, e.Id, changed.Stream, e.Version, e.Type,
            e.Data.Deserialize(EventType(e.Type), HubJson.Options)!, e.Metadata)).ToList();

    private Type EventType(string alias) => moreEvents?.TryGetValue(alias, out var type) == true ? type : HubMarten.EventType(alias);

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
