using System.Security.Cryptography;
using System.Text;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Sharing;

public enum ShareMode
{
    /// <summary>Frozen at one message: later turns are not shown.</summary>
    Snapshot,
    /// <summary>Follows the chat: the newest branch, replies as they stream.</summary>
    Live,
}

/// <summary>What a valid token opens.</summary>
public sealed record ResolvedShare(Guid ShareId, Guid ChatId, ShareMode Mode, Guid? SnapshotMessageId, bool HideSystemPrompt,
    DateTimeOffset? Expires);

public enum ShareState
{
    Active,
    Expired,
    Revoked,
}

/// <summary>What a share link opens.</summary>
public enum ShareTarget
{
    Chat,
    Experiment,
}

/// <summary>
/// A share link as its creator sees it (never with the token: it is not stored). <paramref name="TargetId"/> is the
/// chat or the experiment, <paramref name="Title"/> its title or name.
/// </summary>
public sealed record ShareLinkRow(
    Guid Id, ShareTarget Target, Guid TargetId, string Title, ShareMode Mode, Guid? SnapshotMessageId, bool HideSystemPrompt, bool ShowPrompts,
    DateTimeOffset? Expires, DateTimeOffset Created, string CreatedById, string CreatedByName, DateTimeOffset? Revoked, string? RevokedByName,
    ShareState State)
{
    /// <summary>Where the shared thing lives in the app, for its creator.</summary>
    public string Href => Target == ShareTarget.Chat ? $"/chats/{TargetId}" : $"/experiments/{TargetId}";
}

/// <summary>One page of a person's links and how many match in all.</summary>
public sealed record ShareLinkPage(IReadOnlyList<ShareLinkRow> Items, int Total);

/// <summary>A new link. <paramref name="Token"/> is shown once, to put in the URL; only its hash is kept.</summary>
public sealed record CreatedShare(string Token, ShareLinkRow Link);

/// <summary>A chat opened through a share link: the thread to show (only the shared branch) and the link's terms.</summary>
public sealed record SharedChat(ResolvedShare Share, ChatThread Thread);

/// <summary>
/// Public links to a chat (and, through <see cref="ExperimentShareLinks"/>, to an experiment), a stream each (<see cref="ShareLinkStream"/>). The token is 256 random bits in base64url;
/// events and table keep only its SHA-256, so a leaked backup or read replica opens nothing. Unknown, revoked and expired tokens answer alike (null), so a
/// caller learns nothing about which links exist.
/// </summary>
public sealed class ShareLinks(EventStreams streams, NpgsqlDataSource dataSource, ChatQueries chats, TimeProvider? clock = null)
{
    public const int TokenBytes = 32;
    /// <summary>43 base64url characters encode 32 bytes.</summary>
    public const int TokenLength = 43;
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);

    /// <summary>The one rule for every kind of link (share, study, model download): an expiry is in the future and
    /// within <see cref="MaxLifetime"/>; none means until revoked.</summary>
    public static void CheckExpiry(DateTimeOffset? expires, DateTimeOffset now)
    {
        if (expires is { } e && e <= now) throw new ValidationException("expires", "The expiry must be in the future.");
        if (expires is { } far && far - now > MaxLifetime)
            throw new ValidationException("expires", $"A link lives at most {MaxLifetime.TotalDays:0} days; leave the expiry empty for a link that lasts until revoked.");
    }
    public const int MaxPageSize = 100;

    private readonly TimeProvider time = clock ?? TimeProvider.System;

    private const string Columns = """
        s.id, s.target, coalesce(s.chat_id, s.experiment_id), coalesce(c.title, x.name), s.mode, s.snapshot_message_id, s.hide_system_prompt,
        s.show_prompts, s.expires, s.created, s.created_by_id, s.created_by_name, s.revoked, s.revoked_by_name
        """;

    /// <summary>A link with what it opens; a link whose chat or experiment is gone is left out, as before.</summary>
    private const string From = """
        share_links s left join chats c on c.id = s.chat_id left join experiments x on x.id = s.experiment_id
        """;

    private const string Exists = "(c.id is not null or x.id is not null)";

    /// <summary>
    /// Shares a chat its owner started. A snapshot freezes at <paramref name="atMessageId"/> (default: the newest
    /// finished message); a reply still being written cannot be a snapshot's end.
    /// </summary>
    public async Task<CreatedShare> CreateAsync(Actor actor, Guid chatId, ShareMode mode, DateTimeOffset? expires = null,
        bool hideSystemPrompt = false, Guid? atMessageId = null, CancellationToken ct = default)
    {
        var thread = await chats.ThreadAsync(chatId, ct: ct) ?? throw new NotFoundException("No such chat.");
        if (thread.Chat.OwnerId != actor.Id) throw new ForbiddenException("Only the person who started this chat can share it.");
        var now = time.GetUtcNow();
        CheckExpiry(expires, now);

        Guid? snapshot = null;
        if (mode == ShareMode.Snapshot)
        {
            var finished = thread.Messages.Where(m => m.Status != MessageStatus.Streaming).ToList();
            var at = atMessageId is { } id
                ? thread.Messages.FirstOrDefault(m => m.Id == id) ?? throw new ValidationException("atMessageId", "That message is not part of this chat.")
                : finished.MaxBy(m => m.Position) ?? throw new ValidationException("mode", "There is nothing to share yet: the chat has no finished message.");
            if (at.Status == MessageStatus.Streaming)
                throw new ValidationException("atMessageId", "That reply is still being written; share it when it has finished, or share the chat live.");
            snapshot = at.Id;
        }

        var token = NewToken();
        var shareId = Guid.CreateVersion7(now);
        var created = new ShareLinkCreated(shareId, Hash(token), chatId, mode, snapshot, hideSystemPrompt, expires);
        await streams.AppendAsync(ShareLinkStream.Id(shareId), ExpectedVersion.NoStream, [new NewEvent(Guid.NewGuid(), created)],
            new EventMetadata(actor.Id, actor.Name, now, Guid.NewGuid()), ct);
        return new CreatedShare(token, (await LinkAsync(shareId, ct))!);
    }

    /// <summary>The chat <paramref name="token"/> opens, or null when it is unknown, revoked, expired or opens something else (alike).</summary>
    public async Task<ResolvedShare?> ResolveAsync(string? token, CancellationToken ct = default)
    {
        if (!LooksLikeToken(token)) return null;
        await using var command = dataSource.CreateCommand("""
            select id, chat_id, mode, snapshot_message_id, hide_system_prompt, expires from share_links
            where token_hash = @hash and target = 'chat' and revoked is null and (expires is null or expires > @now)
            """);
        command.Parameters.AddWithValue("hash", Hash(token!));
        command.Parameters.AddWithValue("now", time.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new ResolvedShare(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2) == "live" ? ShareMode.Live : ShareMode.Snapshot,
            reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.GetBoolean(4),
            reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5));
    }

    /// <summary>
    /// The chat behind <paramref name="token"/> as the public may see it: a snapshot shows the branch up to its
    /// message, a live link the newest branch; other branches are not included. With the hide flag, system
    /// prompt texts are blanked (their hashes remain). Null exactly when <see cref="ResolveAsync"/> is.
    /// </summary>
    public async Task<SharedChat?> OpenAsync(string? token, CancellationToken ct = default)
    {
        var share = await ResolveAsync(token, ct);
        if (share is null) return null;
        var thread = await chats.ThreadAsync(share.ChatId, ct: ct);
        if (thread is null) return null;
        var branch = share.SnapshotMessageId is { } at ? ChatTree.PathTo(thread.Messages, at) : thread.Branch;
        thread = thread with { Messages = branch, Branch = branch };
        if (share.HideSystemPrompt) thread = HidePrompts(thread);
        return new SharedChat(share, thread);
    }

    /// <summary>Ends a link at once. Only its creator may; revoking twice is harmless.</summary>
    public async Task RevokeAsync(Actor actor, Guid shareId, CancellationToken ct = default)
    {
        var link = await LinkAsync(shareId, ct);
        if (link is null || link.CreatedById != actor.Id) throw new NotFoundException("No such share link.");
        if (link.Revoked is not null) return;
        try
        {
            // Version 1 is the link's creation: only one revocation can follow it.
            await streams.AppendAsync(ShareLinkStream.Id(shareId), 1, [new NewEvent(Guid.NewGuid(), new ShareLinkRevoked(shareId))],
                new EventMetadata(actor.Id, actor.Name, time.GetUtcNow(), Guid.NewGuid()), ct);
        }
        catch (WrongExpectedVersionException)
        {
            // Revoked at the same moment by another request: ended either way.
        }
    }

    /// <summary>Links a person created (to one chat or experiment, <paramref name="targetId"/>, or to anything), newest
    /// first, with whether each is active, expired or revoked.</summary>
    public async Task<IReadOnlyList<ShareLinkRow>> ListAsync(string creatorId, Guid? targetId = null, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select {Columns} from {From}
            where s.created_by_id = @creator and {Exists} and (@target::uuid is null or s.chat_id = @target or s.experiment_id = @target)
            order by s.created desc
            """);
        command.Parameters.AddWithValue("creator", creatorId);
        command.Parameters.Add(new NpgsqlParameter<Guid?>("target", targetId) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        return await ReadLinks(command, ct);
    }

    /// <summary>
    /// One page of the links a person created, newest first (or oldest first), optionally only those in one
    /// <paramref name="state"/>; <paramref name="page"/> starts at 1. Runs on the (created_by_id, created) index.
    /// </summary>
    public async Task<ShareLinkPage> PageAsync(string creatorId, ShareState? state = null, int page = 1, int pageSize = 20, bool oldestFirst = false,
        CancellationToken ct = default)
    {
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var order = oldestFirst ? "asc" : "desc";
        const string Where = """
            s.created_by_id = @creator
              and (@state::text is null
                or (@state = 'active' and s.revoked is null and (s.expires is null or s.expires > @now))
                or (@state = 'expired' and s.revoked is null and s.expires <= @now)
                or (@state = 'revoked' and s.revoked is not null))
            """;
        await using var count = dataSource.CreateCommand($"select count(*) from {From} where {Where} and {Exists}");
        await using var rows = dataSource.CreateCommand($"""
            select {Columns} from {From} where {Where} and {Exists}
            order by s.created {order}, s.id {order} limit @limit offset @offset
            """);
        var now = time.GetUtcNow();
        foreach (var command in new[] { count, rows })
        {
            command.Parameters.AddWithValue("creator", creatorId);
            command.Parameters.Add(new NpgsqlParameter<string?>("state", state?.ToString().ToLowerInvariant()) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.AddWithValue("now", now);
        }
        rows.Parameters.AddWithValue("limit", pageSize);
        rows.Parameters.AddWithValue("offset", (long)(page - 1) * pageSize);
        var total = Convert.ToInt32(await count.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        return new ShareLinkPage(await ReadLinks(rows, ct), total);
    }

    public async Task<ShareLinkRow?> LinkAsync(Guid shareId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"select {Columns} from {From} where s.id = @id and {Exists}");
        command.Parameters.AddWithValue("id", shareId);
        return (await ReadLinks(command, ct)).FirstOrDefault();
    }

    /// <summary>256 bits from the operating system's CSPRNG, base64url without padding (RFC 4648 §5).</summary>
    internal static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(TokenBytes));

    internal static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    internal static bool LooksLikeToken(string? token) =>
        token is { Length: TokenLength } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ChatThread HidePrompts(ChatThread thread)
    {
        static ChatProvenance Blank(ChatProvenance p) => p with { SystemPrompt = "" };
        var messages = thread.Messages.Select(m => m.Provenance is null ? m : m with { Provenance = Blank(m.Provenance) }).ToList();
        var byId = messages.ToDictionary(m => m.Id);
        return thread with
        {
            Provenance = Blank(thread.Provenance),
            Messages = messages,
            Branch = thread.Branch.Select(m => byId[m.Id]).ToList(),
            SystemPromptHidden = true,
        };
    }

    private async Task<IReadOnlyList<ShareLinkRow>> ReadLinks(NpgsqlCommand command, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var rows = new List<ShareLinkRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            DateTimeOffset? expires = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8);
            DateTimeOffset? revoked = reader.IsDBNull(12) ? null : reader.GetFieldValue<DateTimeOffset>(12);
            var state = revoked is not null ? ShareState.Revoked : expires is { } e && e <= now ? ShareState.Expired : ShareState.Active;
            rows.Add(new ShareLinkRow(reader.GetGuid(0), reader.GetString(1) == "experiment" ? ShareTarget.Experiment : ShareTarget.Chat,
                reader.GetGuid(2), reader.GetString(3), reader.GetString(4) == "live" ? ShareMode.Live : ShareMode.Snapshot,
                reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetBoolean(6), reader.GetBoolean(7), expires,
                reader.GetFieldValue<DateTimeOffset>(9), reader.GetString(10), reader.GetString(11), revoked,
                reader.IsDBNull(13) ? null : reader.GetString(13), state));
        }
        return rows;
    }
}
