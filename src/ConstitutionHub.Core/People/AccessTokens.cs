using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.People;

/// <summary>What a personal access token may do: <c>read</c> (GET on the JSON API, /v1/models), <c>write</c> (changes
/// through the JSON API), <c>chat</c> (/v1/chat/completions).</summary>
public static class TokenScopes
{
    public const string Read = "read", Write = "write", Chat = "chat";
    public static readonly IReadOnlyList<string> All = [Read, Write, Chat];
}

public sealed record AccessTokenRow(string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset Created, DateTimeOffset Expires,
    DateTimeOffset? LastUsed, DateTimeOffset? Revoked);

/// <summary>A token that checked out: whose it is and what it may do.</summary>
public sealed record TokenHolder(string TokenId, string PersonId, string DisplayName, IReadOnlyList<string> Scopes);

/// <summary>
/// Personal access tokens for scripts. The secret (<c>chp_</c> + 256 random bits) is shown once, at creation; only
/// its SHA-256 is stored, so a database leak gives no usable token. Each has a name, scopes, an expiry (at most a
/// year), a last use, and can be revoked at once.
/// </summary>
public sealed class AccessTokens(NpgsqlDataSource dataSource, TimeProvider? clock = null)
{
    public const string Prefix = "chp_";
    public const int MaxPerPerson = 50;
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    public async Task<(AccessTokenRow Token, string Secret)> CreateAsync(string personId, string? name, IReadOnlyList<string>? scopes, int? expiresInDays,
        CancellationToken ct = default)
    {
        name = (name ?? "").Trim();
        if (name.Length is 0 or > 80 || name.Any(char.IsControl))
            throw new Documents.ValidationException("name", "Name the token (1 to 80 characters), so you know later what uses it.");
        var wanted = (scopes ?? []).Distinct().ToList();
        if (wanted.Count == 0 || wanted.Any(s => !TokenScopes.All.Contains(s)))
            throw new Documents.ValidationException("scopes", "Scopes are one or more of: read, write, chat.");
        var days = expiresInDays ?? 90;
        if (days < 1 || days > MaxLifetime.TotalDays)
            throw new Documents.ValidationException("expiresInDays", $"A token lasts 1 to {MaxLifetime.TotalDays:0} days.");
        if ((await ListAsync(personId, ct)).Count(t => t.Revoked is null && t.Expires > time.GetUtcNow()) >= MaxPerPerson)
            throw new Documents.ValidationException("name", $"You have {MaxPerPerson} live tokens: revoke one first.");

        var secret = Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = time.GetUtcNow();
        var row = new AccessTokenRow(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)), name, wanted, now, now.AddDays(days), null, null);
        await using var command = dataSource.CreateCommand("""
            insert into access_tokens (id, person_id, name, hash, scopes, created, expires) values (@id, @person, @name, @hash, @scopes, @now, @expires)
            """);
        command.Parameters.AddWithValue("id", row.Id);
        command.Parameters.AddWithValue("person", personId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("hash", Hash(secret));
        command.Parameters.AddWithValue("scopes", wanted.ToArray());
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("expires", row.Expires);
        await command.ExecuteNonQueryAsync(ct);
        return (row, secret);
    }

    public async Task<IReadOnlyList<AccessTokenRow>> ListAsync(string personId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select id, name, scopes, created, expires, last_used, revoked from access_tokens where person_id = @person order by created desc");
        command.Parameters.AddWithValue("person", personId);
        var rows = new List<AccessTokenRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new AccessTokenRow(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<string[]>(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        return rows;
    }

    /// <summary>Revokes one of the person's own tokens; false when they have none by that id.</summary>
    public async Task<bool> RevokeAsync(string personId, string id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "update access_tokens set revoked = coalesce(revoked, @now) where id = @id and person_id = @person");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("person", personId);
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>The holder of a live token (not revoked, not expired), recording its use (at most once a minute).</summary>
    public async Task<TokenHolder?> CheckAsync(string secret, CancellationToken ct = default)
    {
        if (!secret.StartsWith(Prefix, StringComparison.Ordinal) || secret.Length > 100) return null;
        var now = time.GetUtcNow();
        await using var command = dataSource.CreateCommand("""
            with t as (select id, person_id, scopes, last_used from access_tokens where hash = @hash and revoked is null and expires > @now),
            used as (update access_tokens set last_used = @now from t
                     where access_tokens.id = t.id and (t.last_used is null or t.last_used < @now - interval '1 minute'))
            select t.id, t.person_id, p.display_name, t.scopes from t join people p on p.id = t.person_id
            """);
        command.Parameters.AddWithValue("hash", Hash(secret));
        command.Parameters.AddWithValue("now", now);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new TokenHolder(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<string[]>(3))
            : null;
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    internal static Table Table()
    {
        var tokens = new Table(Streams.HubMarten.Table("access_tokens"));
        tokens.AddColumn("id", "text").AsPrimaryKey();
        tokens.AddColumn("person_id", "text").NotNull();
        tokens.AddColumn("name", "text").NotNull();
        tokens.AddColumn("hash", "text").NotNull();
        tokens.AddColumn("scopes", "text[]").NotNull();
        tokens.AddColumn("created", "timestamp with time zone").NotNull();
        tokens.AddColumn("expires", "timestamp with time zone").NotNull();
        tokens.AddColumn("last_used", "timestamp with time zone");
        tokens.AddColumn("revoked", "timestamp with time zone");
        tokens.Indexes.Add(new IndexDefinition("access_tokens_hash") { Columns = ["hash"], IsUnique = true });
        tokens.Indexes.Add(new IndexDefinition("access_tokens_person") { Columns = ["person_id"] });
        return tokens;
    }
}
