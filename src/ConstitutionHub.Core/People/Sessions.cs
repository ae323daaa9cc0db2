using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.People;

/// <summary>How long a sign-in lasts: ended after <see cref="Idle"/> without a request, and after <see cref="Absolute"/>
/// whatever happens.</summary>
public sealed record SessionLifetimes(TimeSpan Idle, TimeSpan Absolute)
{
    public static readonly SessionLifetimes Default = new(TimeSpan.FromHours(12), TimeSpan.FromDays(7));
}

/// <summary>A session that is still good, with the person's current name.</summary>
public sealed record ActiveSession(string PersonId, string DisplayName, bool IsAdmin, DateTimeOffset Expires);

/// <summary>A session as listed on the person's own page.</summary>
public sealed record SessionRow(string Id, DateTimeOffset Created, DateTimeOffset LastSeen, DateTimeOffset Expires, string Client);

/// <summary>
/// Server-side sign-in sessions. The cookie carries a random session key; only its SHA-256 is stored. Every request
/// and every circuit action checks the key here, so signing out (or "sign out everywhere", or an admin) ends a
/// session at once, even for a cookie copied before. The row also enforces the idle and absolute lifetimes.
/// </summary>
public sealed class SignInSessions(NpgsqlDataSource dataSource, SessionLifetimes lifetimes, TimeProvider? clock = null)
{
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    public SessionLifetimes Lifetimes => lifetimes;

    /// <summary>Starts a session and answers its key (for the cookie; never stored) and when it ends at the latest.</summary>
    public async Task<(string Key, DateTimeOffset Expires)> StartAsync(string personId, bool isAdmin, string client, CancellationToken ct = default)
    {
        var key = Base64Url(RandomNumberGenerator.GetBytes(32));
        var now = time.GetUtcNow();
        var expires = now + lifetimes.Absolute;
        await using var command = dataSource.CreateCommand("""
            insert into sessions (id, person_id, is_admin, created, last_seen, expires, client)
            values (@id, @person, @admin, @now, @now, @expires, @client)
            """);
        command.Parameters.AddWithValue("id", Hash(key));
        command.Parameters.AddWithValue("person", personId);
        command.Parameters.AddWithValue("admin", isAdmin);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("expires", expires);
        command.Parameters.AddWithValue("client", client.Length > 200 ? client[..200] : client);
        await command.ExecuteNonQueryAsync(ct);
        return (key, expires);
    }

    /// <summary>The session behind <paramref name="key"/> when it is neither revoked nor past a lifetime; refreshes its
    /// last use (at most once a minute, so a busy page does not write on every request).</summary>
    public async Task<ActiveSession?> CheckAsync(string? key, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(key) || key.Length > 100) return null;
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand("""
            with s as (
                select id, person_id, is_admin, expires, last_seen from sessions
                where id = @id and revoked is null and expires > @now and last_seen > @now - @idle),
            touched as (update sessions set last_seen = @now from s where sessions.id = s.id and s.last_seen < @now - interval '1 minute')
            select s.person_id, p.display_name, s.is_admin, s.expires from s join people p on p.id = s.person_id
            """);
        command.Parameters.AddWithValue("id", Hash(key));
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("idle", lifetimes.Idle);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new ActiveSession(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetFieldValue<DateTimeOffset>(3))
            : null;
    }

    /// <summary>Ends one session (sign-out).</summary>
    public async Task RevokeAsync(string? key, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(key)) return;
        await using var command = dataSource.CreateCommand("update sessions set revoked = @now where id = @id and revoked is null");
        command.Parameters.AddWithValue("id", Hash(key));
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Ends every session of one person ("sign out everywhere"); answers how many were open.</summary>
    public async Task<int> RevokeAllAsync(string personId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("update sessions set revoked = @now where person_id = @person and revoked is null");
        command.Parameters.AddWithValue("person", personId);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Ends one of a person's sessions by the id their session list shows (<see cref="OpenAsync"/>); false
    /// when they have no open session of that id. Another person's session cannot be named here.</summary>
    public async Task<bool> EndAsync(string personId, string shownId, CancellationToken ct = default)
    {
        if (shownId.Length != ShownIdLength) return false;
        await using var command = dataSource.CreateCommand("""
            update sessions set revoked = @now where person_id = @person and left(id, @length) = @shown and revoked is null
            """);
        command.Parameters.AddWithValue("person", personId);
        command.Parameters.AddWithValue("length", ShownIdLength);
        command.Parameters.AddWithValue("shown", shownId);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct) > 0;
    }

    /// <summary>The id the session list shows for a session key: the list never carries the key or its whole hash.</summary>
    public static string ShownId(string key) => Hash(key)[..ShownIdLength];

    private const int ShownIdLength = 8;

    /// <summary>The person's open sessions, newest use first.</summary>
    public async Task<IReadOnlyList<SessionRow>> OpenAsync(string personId, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand("""
            select id, created, last_seen, expires, client from sessions
            where person_id = @person and revoked is null and expires > @now and last_seen > @now - @idle order by last_seen desc
            """);
        command.Parameters.AddWithValue("person", personId);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("idle", lifetimes.Idle);
        var rows = new List<SessionRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new SessionRow(reader.GetString(0)[..ShownIdLength], reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetString(4)));
        return rows;
    }

    private static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static Table Table()
    {
        var sessions = new Table(Streams.HubMarten.Table("sessions"));
        sessions.AddColumn("id", "text").AsPrimaryKey();
        sessions.AddColumn("person_id", "text").NotNull();
        sessions.AddColumn("is_admin", "boolean").NotNull();
        sessions.AddColumn("created", "timestamp with time zone").NotNull();
        sessions.AddColumn("last_seen", "timestamp with time zone").NotNull();
        sessions.AddColumn("expires", "timestamp with time zone").NotNull();
        sessions.AddColumn("revoked", "timestamp with time zone");
        sessions.AddColumn("client", "text").NotNull();
        sessions.Indexes.Add(new IndexDefinition("sessions_person") { Columns = ["person_id"] });
        return sessions;
    }
}
