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
/// </summary>
public sealed class EventStreams(IDocumentStore store, NpgsqlDataSource dataSource)
{
    private const string UniqueViolation = "23505";
    /// <summary>Marten's unique index on event ids (<c>EnableUniqueIndexOnEventId</c>).</summary>
    private const string EventIdIndex = "idx_mt_events_event_id";

    public async Task<AppendResult> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events,
        EventMetadata metadata, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamId);
        if (events.Count == 0) throw new ArgumentException("Nothing to append.", nameof(events));
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);

        await using var session = store.LightweightSession();
        var marten = new IEvent[events.Count];
        for (var i = 0; i < events.Count; i++)
        {
            marten[i] = session.Events.BuildEvent(events[i].Data);
            MartenEvents.Stamp(marten[i], events[i].Id, metadata);
        }
        if (expectedVersion == ExpectedVersion.NoStream) session.Events.StartStream(streamId, marten);
        else session.Events.Append(streamId, expectedVersion + marten.Length, marten);

        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (Exception e) when (IsVersionConflict(e))
        {
            // A retried command finds the stream moved on by its own first attempt: report that, not a conflict.
            return await PreviousResultAsync(streamId, events, ct)
                ?? throw new WrongExpectedVersionException(streamId, expectedVersion, await VersionAsync(streamId, ct));
        }
        catch (Exception e) when (UniqueConstraintOf(e) == EventIdIndex)
        {
            // A retry raced its own first attempt: the other one committed these ids.
            return await PreviousResultAsync(streamId, events, ct)
                ?? throw new IdempotencyConflictException("Event ids of this append are used by another append.");
        }
        return new AppendResult(streamId, marten[^1].Version, marten[^1].Sequence, AlreadyApplied: false);
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
