using System.Security.Cryptography;
using ConstitutionHub.Core.Documents;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Watching;

public enum MailMode
{
    /// <summary>No e-mail (the default).</summary>
    Off,
    /// <summary>A mail as soon as something new is in the inbox.</summary>
    Immediate,
    /// <summary>One mail per digest period with what came in since the last.</summary>
    Digest,
}

/// <summary>A person's e-mail choice. <paramref name="MailedUpTo"/>: the newest notification (sequence) already mailed
/// or skipped; <paramref name="UnsubscribeToken"/> is the secret of the unsubscribe link in each mail.</summary>
public sealed record MailSettings(string PersonId, string Email, MailMode Mode, string UnsubscribeToken, long MailedUpTo, DateTimeOffset? LastMailed);

/// <summary>
/// Who wants notifications by e-mail, to which address, immediately or as a digest. Current state, not history (like
/// the people directory): a table of its own that a projection rebuild leaves alone. Turning mail on starts from
/// now: what was already in the inbox is not mailed.
/// </summary>
public sealed class MailPreferences(NpgsqlDataSource dataSource)
{
    public const int MaxEmailLength = 254;

    public async Task<MailSettings?> GetAsync(string personId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select person_id, email, mode, unsubscribe_token, mailed_up_to, last_mailed from notification_settings where person_id = @p");
        command.Parameters.AddWithValue("p", personId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<MailSettings> SetAsync(string personId, string? email, MailMode mode, CancellationToken ct = default)
    {
        if (!Enum.IsDefined(mode)) throw new ValidationException("mode", "mode is off, immediate or digest.");
        email = (email ?? "").Trim();
        if (mode != MailMode.Off || email.Length > 0) email = ValidEmail(email);
        await using var command = dataSource.CreateCommand("""
            insert into notification_settings (person_id, email, mode, unsubscribe_token, mailed_up_to)
            values (@p, @email, @mode, @token, coalesce((select max(seq) from notifications where person_id = @p), 0))
            on conflict (person_id) do update set email = excluded.email, mode = excluded.mode,
                mailed_up_to = case when notification_settings.mode = 'Off' then excluded.mailed_up_to else notification_settings.mailed_up_to end
            """);
        command.Parameters.AddWithValue("p", personId);
        command.Parameters.AddWithValue("email", email);
        command.Parameters.AddWithValue("mode", mode.ToString());
        command.Parameters.AddWithValue("token", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_'));
        await command.ExecuteNonQueryAsync(ct);
        return (await GetAsync(personId, ct))!;
    }

    /// <summary>Turns mail off for the holder of an unsubscribe link; false for an unknown token.</summary>
    public async Task<bool> UnsubscribeAsync(string? token, CancellationToken ct = default)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100) return false;
        await using var command = dataSource.CreateCommand("update notification_settings set mode = 'Off' where unsubscribe_token = @t");
        command.Parameters.AddWithValue("t", token);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Claims the mailing of the person's notifications up to <paramref name="upTo"/>: true for exactly one caller
    /// across all nodes (the row's update is the lock), so each notification is mailed once however many nodes hear of it.
    /// </summary>
    public async Task<bool> ClaimAsync(string personId, long upTo, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            update notification_settings set mailed_up_to = @upTo, last_mailed = @now
            where person_id = @p and mode <> 'Off' and mailed_up_to < @upTo
            """);
        command.Parameters.AddWithValue("p", personId);
        command.Parameters.AddWithValue("upTo", upTo);
        command.Parameters.AddWithValue("now", now);
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>People on a digest whose last one is older than <paramref name="every"/>.</summary>
    public async Task<IReadOnlyList<string>> DigestsDueAsync(DateTimeOffset now, TimeSpan every, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select person_id from notification_settings where mode = 'Digest' and (last_mailed is null or last_mailed <= @since)");
        command.Parameters.AddWithValue("since", now - every);
        var people = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) people.Add(reader.GetString(0));
        return people;
    }

    private static string ValidEmail(string email)
    {
        // One plain address: no display name, no line breaks (a header injection), no list.
        if (email.Length is 0 or > MaxEmailLength || email.Any(char.IsControl) || email.Contains(',') || email.Contains(' ')
            || !System.Net.Mail.MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || parsed.DisplayName.Length > 0)
            throw new ValidationException("email", "Give one e-mail address, such as ada@example.org.");
        return email;
    }

    private static MailSettings Read(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), Enum.Parse<MailMode>(r.GetString(2)), r.GetString(3),
        r.GetInt64(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateTimeOffset>(5));

    internal static Table Table()
    {
        var settings = new Table(Streams.HubMarten.Table("notification_settings"));
        settings.AddColumn("person_id", "text").AsPrimaryKey();
        settings.AddColumn("email", "text").NotNull();
        settings.AddColumn("mode", "text").NotNull();
        settings.AddColumn("unsubscribe_token", "text").NotNull();
        settings.AddColumn("mailed_up_to", "bigint").NotNull().DefaultValueByExpression("0");
        settings.AddColumn("last_mailed", "timestamp with time zone");
        settings.Indexes.Add(new IndexDefinition("notification_settings_unsubscribe") { Columns = ["unsubscribe_token"], IsUnique = true });
        return settings;
    }
}
