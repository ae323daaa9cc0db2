using System.Text.Json;
using ConstitutionHub.Core.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace ConstitutionHub.Core.Chats;

/// <summary>Keeps the chats / chat_messages tables in step with the chat streams, in the append's transaction.</summary>
public sealed class ChatProjection : IInlineProjection
{
    public string StreamType => ChatStream.Type;

    public async Task ApplyAsync(NpgsqlConnection connection, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        foreach (var e in events)
        {
            await (e.Data switch
            {
                ChatStarted x => Started(connection, e, x, ct),
                UserMessagePosted x => Posted(connection, e, x, ct),
                ReplyStarted x => ReplyStarted(connection, e, x, ct),
                ReplyTokensAppended x => Appended(connection, e, x, ct),
                ReplyCompleted x => Finished(connection, e, x.MessageId, "complete", ct,
                    ("finish", x.FinishReason), ("prompt_tokens", x.PromptTokens), ("completion_tokens", x.CompletionTokens),
                    ("ttft", x.TimeToFirstTokenMs), ("tps", x.TokensPerSecond)),
                ReplyFailed x => Finished(connection, e, x.MessageId, "failed", ct, ("error", x.Error)),
                ReplyInterrupted x => Finished(connection, e, x.MessageId, "interrupted", ct, ("error", x.Reason)),
                _ => Touch(connection, e, ct),
            });
        }
    }

    internal static Guid IdOf(StoredEvent e) => Guid.ParseExact(e.StreamId["chat-".Length..], "N");

    private static Task Started(NpgsqlConnection c, StoredEvent e, ChatStarted x, CancellationToken ct) => Run(c, """
        insert into chats (id, constitution_id, slug, revision, prompt_hash, model_id, owner_id, owner_name, title, created, updated,
                           status, provenance, stream_version)
        values (@id, @constitution, @slug, @revision, @hash, @model, @owner, @owner_name, @title, @time, @time, 'idle', @provenance, @version)
        """, ct,
        ("id", x.ChatId), ("constitution", x.Provenance.ConstitutionId), ("slug", x.Provenance.Slug), ("revision", x.Provenance.Revision),
        ("hash", x.Provenance.PromptHash), ("model", x.Provenance.Model.Id), ("owner", x.OwnerId), ("owner_name", x.OwnerName),
        ("title", x.Title), ("time", e.Metadata.Time), ("provenance", Jsonb(x.Provenance)), ("version", e.Version));

    private static Task Posted(NpgsqlConnection c, StoredEvent e, UserMessagePosted x, CancellationToken ct) => Run(c, $"""
        insert into chat_messages (chat_id, message_id, parent_id, role, text, text_length, status, position, author_id, author_name, created, updated)
        values (@id, @message, @parent, 'user', @text, @length, 'complete', @version, @author, @author_name, @time, @time);
        update chats set message_count = message_count + 1, {ChatColumnsAfter} where id = @id;
        """, ct,
        ("id", IdOf(e)), ("message", x.MessageId), ("parent", x.ParentMessageId), ("text", x.Text), ("length", x.Text.Length), ("version", e.Version),
        ("author", e.Metadata.ActorId), ("author_name", e.Metadata.ActorName), ("time", e.Metadata.Time));

    private static Task ReplyStarted(NpgsqlConnection c, StoredEvent e, ReplyStarted x, CancellationToken ct) => Run(c, $"""
        insert into chat_messages (chat_id, message_id, parent_id, role, text, text_length, status, position, author_id, author_name, node,
                                   provenance, created, updated)
        values (@id, @message, @parent, 'assistant', '', 0, 'streaming', @version, @author, @author_name, @node, @provenance, @time, @time);
        update chats set message_count = message_count + 1, {ChatColumnsAfter} where id = @id;
        """, ct,
        ("id", IdOf(e)), ("message", x.MessageId), ("parent", x.ParentMessageId), ("version", e.Version), ("author", e.Metadata.ActorId),
        ("author_name", e.Metadata.ActorName), ("node", x.Node), ("provenance", x.Provenance is null ? null : Jsonb(x.Provenance)),
        ("time", e.Metadata.Time));

    private static Task Appended(NpgsqlConnection c, StoredEvent e, ReplyTokensAppended x, CancellationToken ct) => Run(c, $"""
        update chat_messages set text = text || @delta, text_length = text_length + @length, completion_tokens = @tokens, updated = @time
        where chat_id = @id and message_id = @message;
        update chats set {ChatColumnsAfter} where id = @id;
        """, ct,
        ("id", IdOf(e)), ("message", x.MessageId), ("delta", x.TextDelta), ("length", x.TextDelta.Length), ("tokens", x.CompletionTokens), ("time", e.Metadata.Time),
        ("version", e.Version));

    private static Task Finished(NpgsqlConnection c, StoredEvent e, Guid messageId, string status, CancellationToken ct,
        params (string Name, object? Value)[] values)
    {
        var columns = new Dictionary<string, string>
        {
            ["finish"] = "finish_reason", ["prompt_tokens"] = "prompt_tokens", ["completion_tokens"] = "completion_tokens",
            ["ttft"] = "time_to_first_token_ms", ["tps"] = "tokens_per_second", ["error"] = "error",
        };
        var sets = string.Concat(values.Select(v => $", {columns[v.Name]} = @{v.Name}"));
        return Run(c, $"""
            update chat_messages set status = @status, updated = @time{sets} where chat_id = @id and message_id = @message;
            update chats set {ChatColumnsAfter} where id = @id;
            """, ct,
            [("id", IdOf(e)), ("message", messageId), ("status", status), ("time", e.Metadata.Time), ("version", e.Version), .. values]);
    }

    private static Task Touch(NpgsqlConnection c, StoredEvent e, CancellationToken ct) => Run(c, $"update chats set {ChatColumnsAfter} where id = @id", ct,
        ("id", IdOf(e)), ("time", e.Metadata.Time), ("version", e.Version));

    // Runs after the message rows of this event are written, so the status sees them.
    private const string ChatColumnsAfter = """
        stream_version = @version, updated = @time,
        status = case when exists (select 1 from chat_messages m where m.chat_id = @id and m.status = 'streaming') then 'streaming' else 'idle' end
        """;

    private static NpgsqlParameter Jsonb(object value) =>
        new() { Value = JsonSerializer.Serialize(value, EventTypeRegistry.Json), NpgsqlDbType = NpgsqlDbType.Jsonb };

    private static async Task Run(NpgsqlConnection connection, string sql, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            if (value is NpgsqlParameter p) { p.ParameterName = name; command.Parameters.Add(p); }
            else command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }
        await command.ExecuteNonQueryAsync(ct);
    }
}
