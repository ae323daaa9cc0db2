using System.Collections.Immutable;
using System.Text.Json;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Chats;

public enum ChatStatus
{
    Idle,
    /// <summary>Some reply of the chat is being written.</summary>
    Streaming,
}

public sealed record ChatRow(
    Guid Id, Guid ConstitutionId, string Slug, int Revision, string PromptHash, string ModelId, string OwnerId, string OwnerName,
    string Title, DateTimeOffset Created, DateTimeOffset Updated, ChatStatus Status, int MessageCount, long StreamVersion);

/// <param name="Provenance">Set on a reply that ran with other settings than the chat started with; otherwise null.</param>
public sealed record ChatMessageRow(
    Guid Id, Guid? ParentId, ChatRole Role, string Text, MessageStatus Status, long Position, string AuthorId, string AuthorName,
    string? Node, int? PromptTokens, int CompletionTokens, double? TimeToFirstTokenMs, double? TokensPerSecond, string? FinishReason,
    string? Error, ChatProvenance? Provenance, DateTimeOffset Created, DateTimeOffset Updated);

/// <summary>
/// A chat with every message (the tree) and the branch being viewed, root first.
/// <paramref name="SystemPromptHidden"/>: the prompt texts were blanked (a share link that hides them); hashes remain.
/// </summary>
public sealed record ChatThread(
    ChatRow Chat, ChatProvenance Provenance, IReadOnlyList<ChatMessageRow> Messages, IReadOnlyList<ChatMessageRow> Branch,
    bool SystemPromptHidden = false)
{
    /// <summary>What produced <paramref name="message"/>: its own provenance if it differs, else the chat's.</summary>
    public ChatProvenance ProvenanceOf(ChatMessageRow message) => message.Provenance ?? Provenance;
}

/// <summary>Filters for listing the chats of one constitution; null means "any".</summary>
public sealed record ChatFilter(int? Revision = null, string? ModelId = null, string? OwnerId = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null);

public sealed record ChatPage(IReadOnlyList<ChatRow> Items, int Total, int Page, int PageSize)
{
    public int PageCount => Total == 0 ? 0 : (Total + PageSize - 1) / PageSize;
}

/// <summary>Walking the message tree: a view follows one branch from a root to a leaf.</summary>
public static class ChatTree
{
    /// <summary>The branch ending at <paramref name="leafId"/>, root first. Extends downwards to the newest leaf
    /// under it, so picking any message shows the conversation that continued from it.</summary>
    public static IReadOnlyList<ChatMessageRow> Branch(IReadOnlyList<ChatMessageRow> messages, Guid? leafId = null)
    {
        if (messages.Count == 0) return [];
        var byId = messages.ToDictionary(m => m.Id);
        var end = leafId is { } id && byId.TryGetValue(id, out var chosen) ? NewestLeafUnder(messages, chosen) : NewestLeaf(messages);
        var path = new List<ChatMessageRow>();
        for (var m = end; m is not null; m = m.ParentId is { } p && byId.TryGetValue(p, out var parent) ? parent : null)
            path.Add(m);
        path.Reverse();
        return path;
    }

    /// <summary>Exactly the path from the root to <paramref name="messageId"/>, nothing after it (a snapshot).</summary>
    public static IReadOnlyList<ChatMessageRow> PathTo(IReadOnlyList<ChatMessageRow> messages, Guid messageId)
    {
        var byId = messages.ToDictionary(m => m.Id);
        var path = new List<ChatMessageRow>();
        for (var m = byId.GetValueOrDefault(messageId); m is not null; m = m.ParentId is { } p ? byId.GetValueOrDefault(p) : null)
            path.Add(m);
        path.Reverse();
        return path;
    }

    /// <summary>Messages with the same parent as <paramref name="messageId"/> (itself included), oldest first:
    /// the alternatives a view can switch between ("2 of 3").</summary>
    public static IReadOnlyList<ChatMessageRow> Siblings(IReadOnlyList<ChatMessageRow> messages, Guid messageId)
    {
        var message = messages.FirstOrDefault(m => m.Id == messageId);
        return message is null ? [] : messages.Where(m => m.ParentId == message.ParentId).OrderBy(m => m.Position).ToList();
    }

    /// <summary>Every leaf, oldest first: one per conversation branch.</summary>
    public static IReadOnlyList<ChatMessageRow> Leaves(IReadOnlyList<ChatMessageRow> messages)
    {
        var parents = messages.Where(m => m.ParentId is not null).Select(m => m.ParentId!.Value).ToHashSet();
        return messages.Where(m => !parents.Contains(m.Id)).OrderBy(m => m.Position).ToList();
    }

    private static ChatMessageRow NewestLeaf(IReadOnlyList<ChatMessageRow> messages) =>
        NewestLeafUnder(messages, messages.MaxBy(m => m.Position)!);

    private static ChatMessageRow NewestLeafUnder(IReadOnlyList<ChatMessageRow> messages, ChatMessageRow from)
    {
        var children = messages.Where(m => m.ParentId is not null).ToLookup(m => m.ParentId!.Value);
        var current = from;
        while (children[current.Id].MaxBy(m => m.Position) is { } child) current = child;
        return current;
    }
}

/// <summary>Reads of the chat read models. Who may read a chat is the caller's question: a chat is readable by
/// whoever may read its constitution (see <c>DocumentAccess</c>) or holds a share link to it.</summary>
public sealed class ChatQueries(NpgsqlDataSource dataSource)
{
    public const int MaxPageSize = 100;

    private const string ChatColumns = """
        c.id, c.constitution_id, c.slug, c.revision, c.prompt_hash, c.model_id, c.owner_id, c.owner_name, c.title, c.created, c.updated,
        c.status, c.message_count, c.stream_version
        """;

    private const string MessageColumns = """
        m.message_id, m.parent_id, m.role, m.text, m.status, m.position, m.author_id, m.author_name, m.node, m.prompt_tokens,
        m.completion_tokens, m.time_to_first_token_ms, m.tokens_per_second, m.finish_reason, m.error, m.provenance::text, m.created, m.updated
        """;

    public async Task<ChatRow?> ChatAsync(Guid chatId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"select {ChatColumns} from chats c where c.id = @id");
        command.Parameters.AddWithValue("id", chatId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadChat(reader) : null;
    }

    /// <summary>A chat with all its messages and the branch through <paramref name="leafId"/> (default: the newest
    /// message's branch).</summary>
    public async Task<ChatThread?> ThreadAsync(Guid chatId, Guid? leafId = null, CancellationToken ct = default)
    {
        var loaded = await LoadAsync(chatId, ct);
        if (loaded is null) return null;
        var (chat, provenance, messages) = loaded.Value;
        return new ChatThread(chat, provenance, messages, ChatTree.Branch(messages, leafId));
    }

    public async Task<ChatMessageRow?> MessageAsync(Guid chatId, Guid messageId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"select {MessageColumns} from chat_messages m where m.chat_id = @id and m.message_id = @message");
        command.Parameters.AddWithValue("id", chatId);
        command.Parameters.AddWithValue("message", messageId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadMessage(reader) : null;
    }

    /// <summary>Chats of one constitution, newest first (or oldest first), narrowed by <paramref name="filter"/>;
    /// <paramref name="page"/> starts at 1. Every filter and both orders run on an index (constitution_id, ..., created).</summary>
    public Task<ChatPage> ListAsync(Guid constitutionId, ChatFilter? filter = null, int page = 1, int pageSize = 20, bool oldestFirst = false,
        CancellationToken ct = default)
    {
        filter ??= new ChatFilter();
        return PageAsync("""
            c.constitution_id = @constitution
              and (@revision::int is null or c.revision = @revision)
              and (@model::text is null or c.model_id = @model)
              and (@owner::text is null or c.owner_id = @owner)
              and (@from::timestamptz is null or c.created >= @from)
              and (@to::timestamptz is null or c.created < @to)
            """, command =>
        {
            command.Parameters.AddWithValue("constitution", constitutionId);
            command.Parameters.Add(new NpgsqlParameter<int?>("revision", filter.Revision) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Integer });
            command.Parameters.Add(new NpgsqlParameter<string?>("model", filter.ModelId) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<string?>("owner", filter.OwnerId) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("from", filter.From) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("to", filter.To) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        }, page, pageSize, oldestFirst, ct);
    }

    /// <summary>A person's own chats, newest first (or oldest first), optionally only those whose title contains
    /// <paramref name="titleContains"/>; <paramref name="page"/> starts at 1. Runs on the (owner_id, created) index.</summary>
    public Task<ChatPage> ByOwnerAsync(string ownerId, string? titleContains = null, int page = 1, int pageSize = 20, bool oldestFirst = false,
        CancellationToken ct = default) =>
        PageAsync("""
            c.owner_id = @owner and (@title = '' or c.title ilike '%' || @title || '%' escape '\')
            """, command =>
        {
            command.Parameters.AddWithValue("owner", ownerId);
            command.Parameters.AddWithValue("title", EscapeLike(titleContains));
        }, page, pageSize, oldestFirst, ct);

    /// <summary>One page of chats matching <paramref name="where"/>, with the number of all matches.</summary>
    private async Task<ChatPage> PageAsync(string where, Action<NpgsqlCommand> bind, int page, int pageSize, bool oldestFirst, CancellationToken ct)
    {
        page = Math.Max(1, page);
        pageSize = Math.Clamp(pageSize, 1, MaxPageSize);
        var order = oldestFirst ? "asc" : "desc";
        await using var command = dataSource.CreateCommand($"""
            select {ChatColumns}, count(*) over () as total from chats c
            where {where}
            order by c.created {order}, c.id {order}
            limit @limit offset @offset
            """);
        bind(command);
        command.Parameters.AddWithValue("limit", pageSize);
        command.Parameters.AddWithValue("offset", (long)(page - 1) * pageSize);
        var rows = new List<ChatRow>();
        var total = 0;
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                rows.Add(ReadChat(reader));
                total = (int)reader.GetInt64(14);
            }
        }
        // A page past the end has no rows to carry the total.
        if (rows.Count == 0 && page > 1) total = (await PageAsync(where, bind, 1, 1, oldestFirst, ct)).Total;
        return new ChatPage(rows, total, page, pageSize);
    }

    private static string EscapeLike(string? text) => (text ?? "").Trim().Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);

    /// <summary>The state command handling needs, from the read model: replaying every token batch per append would
    /// not do, and neither would reading every message's text (only lengths and statuses matter).</summary>
    public async Task<ChatState?> StateAsync(Guid chatId, CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // One snapshot for the chat row and its messages, so the version matches the messages read.
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        string ownerId;
        long version;
        ChatProvenance provenance;
        await using (var command = new NpgsqlCommand("select owner_id, stream_version, provenance::text from chats where id = @id", connection, tx))
        {
            command.Parameters.AddWithValue("id", chatId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return null;
            (ownerId, version, provenance) = (reader.GetString(0), reader.GetInt64(1), Provenance(reader.GetString(2)));
        }
        var messages = ImmutableDictionary.CreateBuilder<Guid, ChatMessageState>();
        await using (var command = new NpgsqlCommand("""
            select message_id, parent_id, role, status, text_length, completion_tokens, position from chat_messages where chat_id = @id
            """, connection, tx))
        {
            command.Parameters.AddWithValue("id", chatId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                var id = reader.GetGuid(0);
                messages[id] = new ChatMessageState(id, reader.IsDBNull(1) ? null : reader.GetGuid(1),
                    reader.GetString(2) == "user" ? ChatRole.User : ChatRole.Assistant, Enum.Parse<MessageStatus>(reader.GetString(3), ignoreCase: true),
                    reader.GetInt32(4), reader.GetInt32(5), reader.GetInt64(6));
            }
        }
        await tx.CommitAsync(ct);
        return new ChatState(chatId, ownerId, provenance, messages.ToImmutable(), version);
    }

    /// <summary>Replies still marked streaming, optionally only those written by <paramref name="node"/> and only
    /// those with nothing recorded since <paramref name="updatedBefore"/>.</summary>
    public async Task<IReadOnlyList<(Guid ChatId, Guid MessageId)>> StreamingRepliesAsync(string? node = null, DateTimeOffset? updatedBefore = null,
        CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select chat_id, message_id from chat_messages
            where status = 'streaming' and (@node::text is null or node = @node) and (@before::timestamptz is null or updated < @before)
            """);
        command.Parameters.Add(new NpgsqlParameter<string?>("node", node) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("before", updatedBefore) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        var list = new List<(Guid, Guid)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add((reader.GetGuid(0), reader.GetGuid(1)));
        return list;
    }

    private async Task<(ChatRow, ChatProvenance, IReadOnlyList<ChatMessageRow>)?> LoadAsync(Guid chatId, CancellationToken ct)
    {
        // One snapshot for the chat row and its messages, so the state's version matches the messages read.
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        ChatRow chat;
        ChatProvenance provenance;
        await using (var command = new NpgsqlCommand($"select {ChatColumns}, c.provenance::text from chats c where c.id = @id", connection, tx))
        {
            command.Parameters.AddWithValue("id", chatId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return null;
            chat = ReadChat(reader);
            provenance = Provenance(reader.GetString(14));
        }
        var messages = new List<ChatMessageRow>();
        await using (var command = new NpgsqlCommand($"select {MessageColumns} from chat_messages m where m.chat_id = @id order by m.position", connection, tx))
        {
            command.Parameters.AddWithValue("id", chatId);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) messages.Add(ReadMessage(reader));
        }
        await tx.CommitAsync(ct);
        return (chat, provenance, messages);
    }

    internal static ChatProvenance Provenance(string json) =>
        JsonSerializer.Deserialize<ChatProvenance>(json, HubJson.Options) ?? throw new InvalidDataException("A chat has no provenance.");

    private static ChatRow ReadChat(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.GetInt32(3), r.GetString(4), r.GetString(5), r.GetString(6), r.GetString(7),
        r.GetString(8), r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10),
        r.GetString(11) == "streaming" ? ChatStatus.Streaming : ChatStatus.Idle, r.GetInt32(12), r.GetInt64(13));

    private static ChatMessageRow ReadMessage(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.GetString(2) == "user" ? ChatRole.User : ChatRole.Assistant, r.GetString(3),
        Enum.Parse<MessageStatus>(r.GetString(4), ignoreCase: true), r.GetInt64(5), r.GetString(6), r.GetString(7),
        r.IsDBNull(8) ? null : r.GetString(8), r.IsDBNull(9) ? null : r.GetInt32(9), r.GetInt32(10),
        r.IsDBNull(11) ? null : r.GetDouble(11), r.IsDBNull(12) ? null : r.GetDouble(12), r.IsDBNull(13) ? null : r.GetString(13),
        r.IsDBNull(14) ? null : r.GetString(14), r.IsDBNull(15) ? null : Provenance(r.GetString(15)),
        r.GetFieldValue<DateTimeOffset>(16), r.GetFieldValue<DateTimeOffset>(17));
}
