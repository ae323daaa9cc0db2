using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.People;

/// <summary>What an identity provider told us at sign-in. <paramref name="Issuer"/> + <paramref name="Subject"/> is
/// the person; name, handle hint and picture only seed the profile.</summary>
public sealed record SignInClaims(string Issuer, string Subject, string Name, string? HandleHint = null, string? Picture = null);

/// <summary>One person's profile: the actor id every event records, a unique <c>@handle</c> to invite them by, the
/// display name (theirs to change), a picture URL from the provider, first and last sign-in.</summary>
public sealed record PersonRow(string Id, string Issuer, string Subject, string Handle, string DisplayName, string? Picture,
    DateTimeOffset FirstSeen, DateTimeOffset LastSeen);

/// <summary>
/// People who signed in, keyed by issuer + subject (never by e-mail: providers let people change it, and two
/// providers may hand out the same one). Not event-sourced: a profile is current state, not history anyone reads;
/// what people did is in the streams under their actor id.
/// </summary>
public sealed class PeopleDirectory(NpgsqlDataSource dataSource, TimeProvider? clock = null)
{
    public const int MaxDisplayName = 60;
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    /// <summary>The actor id of a person: local people keep their readable <c>local:name</c>; everyone else gets a
    /// hash of issuer and subject, so ids never collide across providers and never carry an e-mail address.</summary>
    public static string ActorId(string issuer, string subject)
    {
        if (issuer == LocalIssuer) return $"local:{subject}";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{issuer}\n{subject}"));
        return "oidc:" + Convert.ToHexStringLower(hash)[..24];
    }

    /// <summary>The issuer recorded for the Development-only local sign-in.</summary>
    public const string LocalIssuer = "local";

    /// <summary>Records a sign-in: creates the person on first sight (with a free handle), otherwise refreshes the last
    /// sign-in, the picture and, unless they chose their own, the display name.</summary>
    public async Task<PersonRow> SignedInAsync(SignInClaims claims, CancellationToken ct = default)
    {
        var id = ActorId(claims.Issuer, claims.Subject);
        var name = CleanName(claims.Name) ?? CleanName(claims.HandleHint) ?? "Someone";
        var now = time.GetUtcNow();
        var baseHandle = Handles.From(claims.HandleHint ?? name);
        for (var attempt = 1; ; attempt++)
        {
            var handle = attempt == 1 ? baseHandle : Handles.WithSuffix(baseHandle, attempt);
            await using var command = dataSource.CreateCommand("""
                insert into people (id, issuer, subject, handle, display_name, picture, first_seen, last_seen)
                values (@id, @issuer, @subject, @handle, @name, @picture, @now, @now)
                on conflict (id) do update set last_seen = @now, picture = @picture,
                    display_name = case when people.name_chosen then people.display_name else @name end
                returning id, issuer, subject, handle, display_name, picture, first_seen, last_seen
                """);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("issuer", claims.Issuer);
            command.Parameters.AddWithValue("subject", claims.Subject);
            command.Parameters.AddWithValue("handle", handle);
            command.Parameters.AddWithValue("name", name);
            command.Parameters.AddWithValue("picture", (object?)SafePicture(claims.Picture) ?? DBNull.Value);
            command.Parameters.AddWithValue("now", now);
            try
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                return Read(reader);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "people_handle_key" && attempt < 50)
            {
                // Someone else has this handle: try the next suffix.
            }
        }
    }

    public Task<PersonRow?> ByIdAsync(string id, CancellationToken ct = default) => One("id = @v", id, ct);

    public Task<PersonRow?> ByHandleAsync(string handle, CancellationToken ct = default) =>
        One("handle = @v", handle.TrimStart('@').ToLowerInvariant(), ct);

    /// <summary>Their own display name, kept from then on over what the provider says.</summary>
    public async Task<PersonRow> RenameAsync(string id, string displayName, CancellationToken ct = default)
    {
        var name = CleanName(displayName) ?? throw new Documents.ValidationException("displayName",
            $"Use 1 to {MaxDisplayName} characters, without control characters.");
        await using var command = dataSource.CreateCommand("update people set display_name = @name, name_chosen = true where id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("name", name);
        await command.ExecuteNonQueryAsync(ct);
        return await ByIdAsync(id, ct) ?? throw new Documents.NotFoundException("No such person.");
    }

    /// <summary>A display name: trimmed, inner runs of white space made one space, 1 to 60 characters, no control or
    /// format characters and no lone surrogates; null when nothing usable is left.</summary>
    public static string? CleanName(string? name)
    {
        if (name is null) return null;
        var words = name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var cleaned = string.Join(' ', words);
        if (cleaned.Length is 0 or > MaxDisplayName) return null;
        for (var i = 0; i < cleaned.Length; i++)
        {
            var category = char.GetUnicodeCategory(cleaned, i);
            if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse) return null;
            if (char.IsSurrogate(cleaned[i]) && !(char.IsHighSurrogate(cleaned[i]) && i + 1 < cleaned.Length && char.IsLowSurrogate(cleaned[i + 1]))) return null;
            if (char.IsHighSurrogate(cleaned[i])) i++;
        }
        return cleaned;
    }

    /// <summary>Only https pictures are kept: anything else is dropped rather than shown.</summary>
    private static string? SafePicture(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && url!.Length <= 2048 ? uri.AbsoluteUri : null;

    private async Task<PersonRow?> One(string where, string value, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            $"select id, issuer, subject, handle, display_name, picture, first_seen, last_seen from people where {where}");
        command.Parameters.AddWithValue("v", value);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    private static PersonRow Read(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
        r.IsDBNull(5) ? null : r.GetString(5), r.GetFieldValue<DateTimeOffset>(6), r.GetFieldValue<DateTimeOffset>(7));

    /// <summary>The table, created and migrated by Marten with its own objects.</summary>
    internal static Table Table()
    {
        var people = new Table(Streams.HubMarten.Table("people"));
        people.AddColumn("id", "text").AsPrimaryKey();
        people.AddColumn("issuer", "text").NotNull();
        people.AddColumn("subject", "text").NotNull();
        people.AddColumn("handle", "text").NotNull();
        people.AddColumn("display_name", "text").NotNull();
        people.AddColumn("name_chosen", "boolean").NotNull().DefaultValueByExpression("false");
        people.AddColumn("picture", "text");
        people.AddColumn("first_seen", "timestamp with time zone").NotNull();
        people.AddColumn("last_seen", "timestamp with time zone").NotNull();
        people.Indexes.Add(new IndexDefinition("people_handle_key") { Columns = ["handle"], IsUnique = true });
        people.Indexes.Add(new IndexDefinition("people_issuer_subject") { Columns = ["issuer", "subject"], IsUnique = true });
        return people;
    }
}

/// <summary>Handles: <c>a-z</c>, <c>0-9</c> and <c>-</c>, 2 to 30 characters, what people type after <c>@</c>.</summary>
public static class Handles
{
    public const int MaxLength = 30;

    public static string From(string hint)
    {
        var builder = new StringBuilder();
        foreach (var c in hint.Normalize(NormalizationForm.FormD).ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') builder.Append(c);
            else if (char.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
            else if (builder.Length > 0 && builder[^1] != '-') builder.Append('-');
            if (builder.Length == MaxLength) break;
        }
        var handle = builder.ToString().Trim('-');
        return handle.Length >= 2 ? handle : $"person-{handle}".TrimEnd('-');
    }

    public static string WithSuffix(string handle, int n)
    {
        var suffix = $"-{n.ToString(CultureInfo.InvariantCulture)}";
        return handle[..Math.Min(handle.Length, MaxLength - suffix.Length)] + suffix;
    }
}
