using System.Text.Json;
using ConstitutionHub.Core.Sharing;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace ConstitutionHub.Core.Streams;

public enum LegacyImportOutcome
{
    /// <summary>No database of the hand-written store here (a new install).</summary>
    NothingToImport,
    /// <summary>Imported before; nothing was done.</summary>
    AlreadyImported,
    Imported,
}

public sealed record LegacyImportResult(LegacyImportOutcome Outcome, int Streams, int Events);

/// <summary>
/// Moves a database written by the hand-written event store (before Marten: tables <c>public.streams</c>,
/// <c>public.events</c>, <c>public.share_links</c>, <c>public.users</c>) into Marten, once: every stream keeps its id,
/// its events their ids, order, versions, times and metadata, and the inline projections build the read models as
/// the events go in. Share links were rows, not streams: each becomes a stream of its creation (and revocation) at
/// the times the row recorded. One stream per transaction: a process that dies half-way leaves whole streams
/// behind, and the next start goes on from there; a finished import is recorded and never runs again. The old
/// tables are left as they were (nothing reads them any more; drop them when you no longer want a way back).
/// </summary>
public static class LegacyImport
{
    private const long LockKey = 0x43_48_55_42_49; // "CHUBI"

    /// <param name="dataSource">The database, with the default search path (the old tables live in <c>public</c>).</param>
    /// <param name="stopAfter">Stop after this many streams, as a crash would (tests of resuming).</param>
    public static async Task<LegacyImportResult> RunAsync(IDocumentStore store, NpgsqlDataSource dataSource, int? stopAfter = null,
        CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        if (!await HasLegacyStoreAsync(connection, ct)) return new(LegacyImportOutcome.NothingToImport, 0, 0);

        // Several nodes may start at once: one imports, the others wait and then find it done.
        await Execute(connection, "select pg_advisory_lock($1)", ct, LockKey);
        try
        {
            await Execute(connection, $"create table if not exists {HubMarten.Schema}.legacy_import (finished timestamptz not null)", ct);
            if (await Scalar<long>(connection, $"select count(*) from {HubMarten.Schema}.legacy_import", ct) > 0)
                return new(LegacyImportOutcome.AlreadyImported, 0, 0);

            var streams = 0;
            var events = 0;
            foreach (var streamId in await PendingEventStreamsAsync(connection, ct))
            {
                if (streams == stopAfter) return new(LegacyImportOutcome.Imported, streams, events);
                events += await ImportStreamAsync(store, connection, streamId, ct);
                streams++;
            }
            foreach (var link in await PendingShareLinksAsync(connection, ct))
            {
                if (streams == stopAfter) return new(LegacyImportOutcome.Imported, streams, events);
                events += await ImportShareLinkAsync(store, link, ct);
                streams++;
            }
            await ImportPeopleAsync(connection, ct);
            await Execute(connection, $"insert into {HubMarten.Schema}.legacy_import (finished) values (now())", ct);
            return new(LegacyImportOutcome.Imported, streams, events);
        }
        finally
        {
            await Execute(connection, "select pg_advisory_unlock($1)", CancellationToken.None, LockKey);
        }
    }

    /// <summary>
    /// The old <c>users</c> rows become people with the same actor id, name, first and last sign-in, so everything they
    /// wrote stays theirs. The old store only had the local sign-in (<c>local:name</c>); any other id is kept whole as
    /// the subject under its provider. Each gets a free handle made from the name.
    /// </summary>
    private static async Task ImportPeopleAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        var old = new List<(string Id, string Name, string Provider, DateTime Created, DateTime LastSeen)>();
        await using (var read = new NpgsqlCommand($"""
            select u.id, u.display_name, u.provider, u.created, u.last_seen from public.users u
            where not exists (select 1 from {HubMarten.Schema}.people p where p.id = u.id) order by u.created, u.id
            """, connection))
        await using (var reader = await read.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                old.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDateTime(3), reader.GetDateTime(4)));
        if (old.Count == 0) return;

        var taken = new HashSet<string>(StringComparer.Ordinal);
        await using (var handles = new NpgsqlCommand($"select handle from {HubMarten.Schema}.people", connection))
        await using (var reader = await handles.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) taken.Add(reader.GetString(0));

        foreach (var user in old)
        {
            var local = user.Id.StartsWith("local:", StringComparison.Ordinal);
            var name = People.PeopleDirectory.CleanName(user.Name) ?? "Someone";
            var handle = People.Handles.From(name);
            for (var n = 2; !taken.Add(handle); n++) handle = People.Handles.WithSuffix(People.Handles.From(name), n);
            await Execute(connection, $"""
                insert into {HubMarten.Schema}.people (id, issuer, subject, handle, display_name, first_seen, last_seen)
                values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing
                """, ct, user.Id, local ? People.PeopleDirectory.LocalIssuer : user.Provider, local ? user.Id["local:".Length..] : user.Id,
                handle, name, user.Created, user.LastSeen);
        }
    }

    private static async Task<bool> HasLegacyStoreAsync(NpgsqlConnection connection, CancellationToken ct) =>
        await Scalar<bool>(connection,
            "select to_regclass('public.streams') is not null and to_regclass('public.events') is not null and to_regclass('public.share_links') is not null", ct);

    /// <summary>Streams not yet in Marten, in the order their first events were committed.</summary>
    private static async Task<List<string>> PendingEventStreamsAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select s.id from public.streams s
            join lateral (select e.tx_id, e.seq from public.events e where e.stream_id = s.id order by e.version limit 1) first on true
            where not exists (select 1 from {HubMarten.Schema}.mt_streams m where m.id = s.id)
            order by first.tx_id, first.seq
            """, connection);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetString(0));
        return ids;
    }

    private static async Task<int> ImportStreamAsync(IDocumentStore store, NpgsqlConnection connection, string streamId, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var events = new List<IEvent>();
        await using (var command = new NpgsqlCommand(
            "select id, version, type, data::text, metadata::text from public.events where stream_id = $1 order by version", connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = streamId });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var version = reader.GetInt64(1);
                if (version != events.Count + 1)
                    throw new InvalidDataException($"Stream '{streamId}' has no event at version {events.Count + 1}; the import stops here.");
                var data = JsonSerializer.Deserialize(reader.GetString(3), HubMarten.EventType(reader.GetString(2)), HubJson.Options)!;
                var metadata = JsonSerializer.Deserialize<EventMetadata>(reader.GetString(4), HubJson.Options)!;
                var e = session.Events.BuildEvent(data);
                MartenEvents.Stamp(e, reader.GetGuid(0), metadata);
                events.Add(e);
            }
        }
        session.Events.StartStream(streamId, events.ToArray());
        await session.SaveChangesAsync(ct);
        return events.Count;
    }

    private sealed record LegacyShareLink(
        Guid Id, byte[] TokenHash, Guid ChatId, ShareMode Mode, Guid? SnapshotMessageId, bool HideSystemPrompt, DateTimeOffset? Expires,
        DateTimeOffset Created, string CreatedById, string CreatedByName, DateTimeOffset? Revoked, string? RevokedById, string? RevokedByName);

    private static async Task<List<LegacyShareLink>> PendingShareLinksAsync(NpgsqlConnection connection, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"""
            select id, token_hash, chat_id, mode, snapshot_message_id, hide_system_prompt, expires, created, created_by_id, created_by_name,
                   revoked, revoked_by_id, revoked_by_name
            from public.share_links l
            where not exists (select 1 from {HubMarten.Schema}.mt_streams m where m.id = 'share-' || replace(l.id::text, '-', ''))
            order by created, id
            """, connection);
        var links = new List<LegacyShareLink>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            links.Add(new LegacyShareLink(reader.GetGuid(0), reader.GetFieldValue<byte[]>(1), reader.GetGuid(2),
                reader.GetString(3) == "live" ? ShareMode.Live : ShareMode.Snapshot, reader.IsDBNull(4) ? null : reader.GetGuid(4),
                reader.GetBoolean(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetString(8), reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10),
                reader.IsDBNull(11) ? null : reader.GetString(11), reader.IsDBNull(12) ? null : reader.GetString(12)));
        return links;
    }

    private static async Task<int> ImportShareLinkAsync(IDocumentStore store, LegacyShareLink link, CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        // Ids derived from the link's, so the events of an imported link are the same on every install.
        var created = session.Events.BuildEvent(new ShareLinkCreated(link.Id, link.TokenHash, link.ChatId, link.Mode, link.SnapshotMessageId,
            link.HideSystemPrompt, link.Expires));
        MartenEvents.Stamp(created, Derive(link.Id, 1), new EventMetadata(link.CreatedById, link.CreatedByName, link.Created, link.Id));
        var events = new List<IEvent> { created };
        if (link.Revoked is { } revokedAt)
        {
            var revoked = session.Events.BuildEvent(new ShareLinkRevoked(link.Id));
            MartenEvents.Stamp(revoked, Derive(link.Id, 2),
                new EventMetadata(link.RevokedById ?? link.CreatedById, link.RevokedByName ?? link.CreatedByName, revokedAt, link.Id));
            events.Add(revoked);
        }
        session.Events.StartStream(ShareLinkStream.Id(link.Id), events.ToArray());
        await session.SaveChangesAsync(ct);
        return events.Count;
    }

    private static Guid Derive(Guid id, int index) => Documents.ConstitutionCommands.DeriveId(id, index);

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }
}
