using System.Collections.Concurrent;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Exceptions;
using Npgsql;

namespace ConstitutionHub.Core.Streams;

/// <summary>
/// Appends and reads our streams on Marten, keeping the promises command handling relies on: the expected version
/// travels to Marten's optimistic check and a conflict comes back as our <see cref="WrongExpectedVersionException"/>
/// with a message that says what happened; event ids are the idempotency key (Marten's unique index on event ids),
/// so a retried command is applied once, also when two retries race; actor, correlation and time ride on Marten's
/// metadata. Inline projections run in the same transaction; <see cref="CommitAnnouncer"/> tells listeners after commit.
/// <para>
/// Group commit: appends that arrive while others are being written wait and then go to Marten together, one
/// session and one transaction for all of them (each stream keeps its own expected-version check; at most one
/// append per stream is queued, a second one to the same stream goes alone at once). A Marten append costs two round trips and a session's work however many streams
/// it writes, so under concurrent writers this is where throughput comes from (README, "Figures"). Atomicity is
/// per group, which is stronger than per append; when a group fails (a conflict, a reused id, a taken slug), each of
/// its appends is tried again alone, so each caller gets exactly its own outcome and no append fails for another's.
/// A lone writer never waits: its append goes out at once, as a group of one.
/// </para>
/// </summary>
public sealed class EventStreams(IDocumentStore store, NpgsqlDataSource dataSource)
{
    private const string UniqueViolation = "23505";
    /// <summary>Marten's unique index on event ids (<c>EnableUniqueIndexOnEventId</c>).</summary>
    private const string EventIdIndex = "idx_mt_events_event_id";
    /// <summary>Bounds one transaction's size (and what a failed group costs to retry alone).</summary>
    private const int MaxGroup = 64;
    /// <summary>Groups in flight at once: one commits (waits for its disk flush) while the next is sent.</summary>
    private const int MaxWriters = 2;

    private readonly ConcurrentQueue<PendingAppend> waiting = new();
    /// <summary>Streams with an append queued or being written. A second append to such a stream (writers racing
    /// on one constitution) goes out alone at once instead: it races the first in the database, as it would
    /// without groups, and whichever loses learns it in one round trip rather than after a queue.</summary>
    private readonly ConcurrentDictionary<string, byte> streamsInGroups = new(StringComparer.Ordinal);
    private int writers;

    public async Task<AppendResult> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events,
        EventMetadata metadata, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamId);
        if (events.Count == 0) throw new ArgumentException("Nothing to append.", nameof(events));
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);

        var append = new PendingAppend(streamId, expectedVersion, events, metadata);
        if (!streamsInGroups.TryAdd(streamId, 0)) return await AppendAloneAsync(append);
        waiting.Enqueue(append);
        // A caller that finds a writer's place free becomes a writer and writes until its own append is done;
        // appends arriving meanwhile wait for the next group. A waiting caller's cancellation ends its wait, not an
        // append already sent (a retry with the same command id is safe either way).
        if (TryBecomeWriter()) await WriteGroupsAsync(until: append);
        return await append.Done.Task.WaitAsync(ct);
    }

    private bool TryBecomeWriter()
    {
        while (true)
        {
            var now = Volatile.Read(ref writers);
            if (now >= MaxWriters) return false;
            if (Interlocked.CompareExchange(ref writers, now + 1, now) == now) return true;
        }
    }

    /// <summary>Writes groups until <paramref name="until"/> is written, then hands what is left to a background writer.</summary>
    private async Task WriteGroupsAsync(PendingAppend? until)
    {
        while (true)
        {
            while (TakeGroup() is { Count: > 0 } group)
            {
                await WriteAsync(group);
                if (until is not null && until.Done.Task.IsCompleted)
                {
                    if (waiting.IsEmpty) break;
                    // Our own append is done: leave the rest to a writer of its own instead of keeping our caller.
                    _ = Task.Run(() => WriteGroupsAsync(until: null));
                    return;
                }
            }
            Interlocked.Decrement(ref writers);
            // An append queued after the last look, whose caller found every writer's place taken, must not be stranded.
            if (waiting.IsEmpty || !TryBecomeWriter()) return;
        }
    }

    /// <summary>The next group, in arrival order (a stream is queued at most once at a time).</summary>
    private List<PendingAppend> TakeGroup()
    {
        var group = new List<PendingAppend>();
        while (group.Count < MaxGroup && waiting.TryDequeue(out var next)) group.Add(next);
        return group;
    }

    private async Task WriteAsync(List<PendingAppend> group)
    {
        var results = new Task<AppendResult>?[group.Count];
        if (group.Count > 1)
        {
            try
            {
                var written = await AppendTogetherAsync(group);
                for (var i = 0; i < group.Count; i++) results[i] = Task.FromResult(written[i]);
            }
            catch (Exception)
            {
                // Nothing of the group was written: each append alone finds out whose fault it was.
            }
        }
        for (var i = 0; i < group.Count; i++) results[i] ??= AppendAloneAsync(group[i]);
        try { await Task.WhenAll(results!); }
        catch (Exception) { /* each caller gets its own outcome below */ }

        // Free the streams before waking the callers, so their next appends can join a group again.
        foreach (var append in group) streamsInGroups.TryRemove(append.StreamId, out _);
        for (var i = 0; i < group.Count; i++)
        {
            var result = results[i]!;
            if (result.IsCompletedSuccessfully) group[i].Done.TrySetResult(result.Result);
            else group[i].Done.TrySetException(result.Exception!.InnerExceptions);
        }
    }

    /// <summary>The appends of a group in one Marten session: one transaction, one commit.</summary>
    private async Task<AppendResult[]> AppendTogetherAsync(List<PendingAppend> group)
    {
        await using var session = store.LightweightSession();
        var built = group.Select(append => Stage(session, append)).ToList();
        await session.SaveChangesAsync();
        return group.Select((append, i) => new AppendResult(append.StreamId, built[i][^1].Version, built[i][^1].Sequence, AlreadyApplied: false))
            .ToArray();
    }

    private async Task<AppendResult> AppendAloneAsync(PendingAppend append)
    {
        var (streamId, expectedVersion, events, _) = append;
        await using var session = store.LightweightSession();
        var marten = Stage(session, append);
        try
        {
            await session.SaveChangesAsync();
        }
        catch (Exception e) when (IsVersionConflict(e))
        {
            // A retried command finds the stream moved on by its own first attempt: report that, not a conflict.
            return await PreviousResultAsync(streamId, events, default)
                ?? throw new WrongExpectedVersionException(streamId, expectedVersion, await VersionAsync(streamId));
        }
        catch (Exception e) when (UniqueConstraintOf(e) == EventIdIndex)
        {
            // A retry raced its own first attempt: the other one committed these ids.
            return await PreviousResultAsync(streamId, events, default)
                ?? throw new IdempotencyConflictException("Event ids of this append are used by another append.");
        }
        return new AppendResult(streamId, marten[^1].Version, marten[^1].Sequence, AlreadyApplied: false);
    }

    /// <summary>Puts one append into <paramref name="session"/>, with its expected version and metadata.</summary>
    private static IEvent[] Stage(IDocumentSession session, PendingAppend append)
    {
        var marten = new IEvent[append.Events.Count];
        for (var i = 0; i < marten.Length; i++)
        {
            marten[i] = session.Events.BuildEvent(append.Events[i].Data);
            MartenEvents.Stamp(marten[i], append.Events[i].Id, append.Metadata);
        }
        if (append.ExpectedVersion == ExpectedVersion.NoStream) session.Events.StartStream(append.StreamId, marten);
        else session.Events.Append(append.StreamId, append.ExpectedVersion + marten.Length, marten);
        return marten;
    }

    private sealed record PendingAppend(string StreamId, long ExpectedVersion, IReadOnlyList<NewEvent> Events, EventMetadata Metadata)
    {
        public TaskCompletionSource<AppendResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The name of the unique index or constraint a failed save broke, if that is why it failed.</summary>
    public static string? UniqueConstraintOf(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is PostgresException { SqlState: UniqueViolation } pg) return pg.ConstraintName;
        return null;
    }

    private static bool IsVersionConflict(Exception e) =>
        e is Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException or ConcurrencyException
        || (UniqueConstraintOf(e) is { } name && name.Contains("stream", StringComparison.Ordinal));

    private async Task<AppendResult?> PreviousResultAsync(string streamId, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select stream_id, version, seq_id from {HubMarten.Schema}.mt_events where id = any(@ids) order by version");
        command.Parameters.AddWithValue("ids", events.Select(e => e.Id).ToArray());
        var found = new List<(string Stream, long Version, long Seq)>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                found.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));

        if (found.Count == 0) return null;
        if (found.Count != events.Count || found.Any(f => f.Stream != streamId))
            throw new IdempotencyConflictException(
                $"{found.Count} of {events.Count} event ids are already stored, not all in stream '{streamId}': the ids were reused.");
        return new AppendResult(streamId, found[^1].Version, found[^1].Seq, AlreadyApplied: true);
    }

    public async Task<long> VersionAsync(string streamId, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        return (await session.Events.FetchStreamStateAsync(streamId, ct))?.Version ?? 0;
    }

    /// <summary>One event by its id (the idempotency key), if it is stored.</summary>
    public async Task<StoredEvent?> FindAsync(Guid eventId, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        return (await session.Events.LoadAsync(eventId, ct))?.ToStored();
    }

    /// <summary>Events of one stream in order, from <paramref name="fromVersion"/> (inclusive).</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 1, CancellationToken ct = default)
    {
        await using var session = store.QuerySession();
        var events = await session.Events.FetchStreamAsync(streamId, fromVersion: fromVersion, token: ct);
        return events.Select(e => e.ToStored()).ToList();
    }
}
