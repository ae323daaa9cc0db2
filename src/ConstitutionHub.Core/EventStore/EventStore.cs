using System.Collections.Immutable;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace ConstitutionHub.Core.EventStore;

/// <summary>
/// A small event store over PostgreSQL: a stream per aggregate, optimistic concurrency on the stream version,
/// idempotent appends keyed by event id, inline read models and a NOTIFY after commit.
/// Tables: <c>streams(id, type, version)</c> and <c>events(seq, id, stream_id, version, type, data, metadata, tx_id)</c>.
/// </summary>
public sealed class EventStore(NpgsqlDataSource dataSource, EventTypeRegistry types, IEnumerable<IInlineProjection> projections)
{
    /// <summary>Channel of the notification sent after each commit; payload is <see cref="StreamChanged"/> as JSON.</summary>
    public const string NotificationChannel = "hub_events";

    /// <summary>PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; an append whose events would not fit is
    /// announced without them, and listeners read the stream instead.</summary>
    public const int MaxNotificationBytes = 7900;

    private const string UniqueViolation = "23505";
    private readonly ILookup<string, IInlineProjection> projectionsByType = projections.ToLookup(p => p.StreamType);
    private readonly Lock listenersGate = new();
    private ImmutableArray<Action<IReadOnlyList<StoredEvent>>> committedListeners = [];

    public EventTypeRegistry Types => types;

    public async Task<AppendResult> AppendAsync(
        string streamId, string streamType, long expectedVersion, IReadOnlyList<NewEvent> events,
        EventMetadata metadata, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(streamId);
        if (events.Count == 0) throw new ArgumentException("Nothing to append.", nameof(events));

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var projectionsOfType = projectionsByType[streamType].ToList();
        // With no read model to update, the single append statement is its own transaction: one round trip.
        await using var tx = projectionsOfType.Count > 0 ? await connection.BeginTransactionAsync(ct) : null;
        List<StoredEvent> stored;
        try
        {
            stored = await InsertAsync(connection, streamId, streamType, expectedVersion, events, metadata, ct);
        }
        catch (PostgresException e) when (e.SqlState == UniqueViolation && e.ConstraintName == "events_id_key")
        {
            // A retry raced its own first attempt: the other one committed these ids.
            if (tx is not null) await tx.RollbackAsync(ct);
            return await PreviousResultAsync(streamId, events, ct)
                ?? throw new IdempotencyConflictException($"Event ids of this append are used by another append.");
        }
        catch (WrongExpectedVersionException)
        {
            if (tx is not null) await tx.RollbackAsync(ct);
            // A retried command finds the stream moved on by its own first attempt: report that, not a conflict.
            var previous = await PreviousResultAsync(streamId, events, ct);
            if (previous is not null) return previous;
            throw;
        }

        foreach (var projection in projectionsOfType)
            await projection.ApplyAsync(connection, stored, ct);
        if (tx is not null) await tx.CommitAsync(ct);
        TellCommitted(stored);
        await NotifyAsync(connection, Announcement(streamId, streamType, stored), ct);
        return new AppendResult(streamId, stored[^1].Version, stored[^1].Sequence, AlreadyApplied: false);
    }

    /// <summary>
    /// Hands the events of every append made through this store to <paramref name="listener"/> right after commit,
    /// before the notification goes out: a live view on this node need not wait for the database to echo its own
    /// write. Other nodes still learn only from the notification, so a listener must treat both as the same news
    /// (by stream version). The listener runs on the appending caller's path: it must return at once.
    /// </summary>
    public IDisposable OnCommitted(Action<IReadOnlyList<StoredEvent>> listener)
    {
        lock (listenersGate) committedListeners = committedListeners.Add(listener);
        return new Unsubscriber(() =>
        {
            lock (listenersGate) committedListeners = committedListeners.Remove(listener);
        });
    }

    private void TellCommitted(IReadOnlyList<StoredEvent> stored)
    {
        foreach (var listener in committedListeners)
        {
            // The append has committed: a listener's failure is its own and must not make the caller retry it.
            try { listener(stored); }
            catch (Exception) { }
        }
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }

    private async Task<List<StoredEvent>> InsertAsync(
        NpgsqlConnection connection, string streamId, string streamType, long expectedVersion,
        IReadOnlyList<NewEvent> events, EventMetadata metadata, CancellationToken ct)
    {
        // One statement moves the stream version and inserts the events; when the version guard fails the
        // CTE yields no row, nothing is inserted and we learn it from an empty result.
        var streamStep = expectedVersion switch
        {
            ExpectedVersion.NoStream =>
                "insert into streams (id, type, version) values (@stream, @stream_type, @count) on conflict do nothing returning version",
            ExpectedVersion.Any =>
                "insert into streams (id, type, version) values (@stream, @stream_type, @count) " +
                "on conflict (id) do update set version = streams.version + @count, updated = now() returning version",
            _ =>
                "update streams set version = version + @count, updated = now() where id = @stream and version = @expected returning version",
        };
        var sql = $"""
            with s as ({streamStep}),
            ins as (
                insert into events (id, stream_id, version, type, data, metadata)
                select e.id, @stream, s.version - @count + e.ord, e.type, e.data, @metadata
                from s, unnest(@ids, @types, @datas) with ordinality as e(id, type, data, ord)
                returning seq, id, version, created, tx_id)
            select seq, id, version, created, tx_id::text::numeric from ins
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("stream", streamId);
        command.Parameters.AddWithValue("stream_type", streamType);
        command.Parameters.AddWithValue("count", (long)events.Count);
        command.Parameters.AddWithValue("expected", expectedVersion);
        command.Parameters.AddWithValue("ids", events.Select(e => e.Id).ToArray());
        command.Parameters.AddWithValue("types", events.Select(e => types.AliasOf(e.Data)).ToArray());
        command.Parameters.Add(new NpgsqlParameter("datas", NpgsqlDbType.Array | NpgsqlDbType.Jsonb)
        {
            Value = events.Select(e => types.Serialize(e.Data)).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("metadata", NpgsqlDbType.Jsonb)
        {
            Value = JsonSerializer.Serialize(metadata, EventTypeRegistry.Json),
        });

        var stored = new List<StoredEvent>(events.Count);
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetGuid(1);
                var data = events.First(e => e.Id == id).Data;
                stored.Add(new StoredEvent(reader.GetInt64(0), id, streamId, reader.GetInt64(2), types.AliasOf(data),
                    data, metadata, reader.GetFieldValue<DateTimeOffset>(3), (ulong)reader.GetDecimal(4)));
            }
        }

        if (stored.Count == 0)
            throw new WrongExpectedVersionException(streamId, expectedVersion, await VersionAsync(connection, streamId, ct));
        stored.Sort((a, b) => a.Version.CompareTo(b.Version));
        return stored;
    }

    private async Task<AppendResult?> PreviousResultAsync(string streamId, IReadOnlyList<NewEvent> events, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "select stream_id, version, seq from events where id = any(@ids) order by version");
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

    /// <summary>
    /// Tells listeners (live pages on every node) after the commit. Sent in its own tiny transaction rather than
    /// inside the append's: a NOTIFY in a transaction takes a database-wide lock until commit, which would queue
    /// every append behind every other append's disk flush. A process that dies between commit and notify costs
    /// listeners one wake-up; the log itself (ReadAllAsync) is the source of truth.
    /// </summary>
    private static async Task NotifyAsync(NpgsqlConnection connection, string payload, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select pg_notify(@channel, @payload)", connection);
        command.Parameters.AddWithValue("channel", NotificationChannel);
        command.Parameters.AddWithValue("payload", payload);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The notification of an append, carrying its events when they are small (a token batch is), so a
    /// listening node can act on them without a query.</summary>
    private string Announcement(string streamId, string streamType, IReadOnlyList<StoredEvent> stored)
    {
        var events = stored.Select(e => new AnnouncedEvent(e.Sequence, e.Id, e.Version, e.Type,
            JsonSerializer.SerializeToElement(e.Data, e.Data.GetType(), EventTypeRegistry.Json), e.Metadata, e.Created, e.TransactionId)).ToList();
        var full = JsonSerializer.Serialize(new StreamChanged(streamId, streamType, stored[^1].Version, events));
        return System.Text.Encoding.UTF8.GetByteCount(full) <= MaxNotificationBytes
            ? full
            : JsonSerializer.Serialize(new StreamChanged(streamId, streamType, stored[^1].Version));
    }

    /// <summary>The events a notification carries, typed as a read would return them; null when it carries none
    /// (too large, or sent by something other than an append) and the stream must be read.</summary>
    public IReadOnlyList<StoredEvent>? EventsOf(StreamChanged changed) =>
        changed.Events?.Select(e => new StoredEvent(e.Sequence, e.Id, changed.Stream, e.Version, e.Type,
            types.Deserialize(e.Type, e.Data.GetRawText()), e.Metadata, e.Created, e.TransactionId)).ToList();

    public async Task<long> VersionAsync(string streamId, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await VersionAsync(connection, streamId, ct);
    }

    private static async Task<long> VersionAsync(NpgsqlConnection connection, string streamId, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("select version from streams where id = @stream", connection);
        command.Parameters.AddWithValue("stream", streamId);
        return await command.ExecuteScalarAsync(ct) is long version ? version : 0;
    }

    /// <summary>One event by its id (the idempotency key), if it is stored.</summary>
    public async Task<StoredEvent?> FindAsync(Guid eventId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from events where id = @id");
        command.Parameters.AddWithValue("id", eventId);
        return (await ReadEventsAsync(command, ct)).FirstOrDefault();
    }

    /// <summary>Events of one stream in order, from <paramref name="fromVersion"/> (inclusive).</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion = 1, int max = int.MaxValue, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {Columns} from events where stream_id = @stream and version >= @from order by version limit @max
            """);
        command.Parameters.AddWithValue("stream", streamId);
        command.Parameters.AddWithValue("from", fromVersion);
        command.Parameters.AddWithValue("max", (long)max);
        return await ReadEventsAsync(command, ct);
    }

    /// <summary>
    /// The global log after <paramref name="after"/>, safe against gaps: only transactions older than every
    /// transaction still running are read, in (transaction, sequence) order, so nothing can later appear
    /// behind the returned position.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(GlobalPosition after, int max = 1000, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {Columns} from events
            where (tx_id, seq) > (@tx::text::xid8, @seq)
              and tx_id < pg_snapshot_xmin(pg_current_snapshot())
            order by tx_id, seq limit @max
            """);
        command.Parameters.AddWithValue("tx", after.TransactionId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("seq", after.Sequence);
        command.Parameters.AddWithValue("max", (long)max);
        return await ReadEventsAsync(command, ct);
    }

    private const string Columns = "seq, id, stream_id, version, type, data::text, metadata::text, created, tx_id::text::numeric";

    private async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(NpgsqlCommand command, CancellationToken ct)
    {
        var result = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var type = reader.GetString(4);
            result.Add(new StoredEvent(
                reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetInt64(3), type,
                types.Deserialize(type, reader.GetString(5)),
                JsonSerializer.Deserialize<EventMetadata>(reader.GetString(6), EventTypeRegistry.Json)!,
                reader.GetFieldValue<DateTimeOffset>(7), (ulong)reader.GetDecimal(8)));
        }
        return result;
    }
}

/// <summary>Payload of the post-commit notification. <paramref name="Events"/>: the append's events when they fit in
/// a notification (see <see cref="EventStore.MaxNotificationBytes"/>), else null.</summary>
public sealed record StreamChanged(string Stream, string Type, long Version, IReadOnlyList<AnnouncedEvent>? Events = null);

/// <summary>An event as carried in a notification; <see cref="EventStore.EventsOf"/> turns it back into a stored event.</summary>
public sealed record AnnouncedEvent(
    long Sequence, Guid Id, long Version, string Type, JsonElement Data, EventMetadata Metadata, DateTimeOffset Created, ulong TransactionId);
