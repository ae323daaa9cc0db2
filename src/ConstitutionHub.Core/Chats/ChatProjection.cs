using System.Text;
using System.Text.Json;
using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Chats;

/// <summary>Keeps the <c>chats</c> / <c>chat_messages</c> tables (the chat tree) in step with the chat streams,
/// inline: in the append's transaction, so a reply's page reads what it just wrote.</summary>
/// <remarks>
/// A streaming reply is mostly <see cref="ReplyTokensAppended"/>, and each batch appends to the reply's text, so a
/// reply of n batches replayed one by one rewrites its text n times. The projection is therefore handed whole lists
/// of events (a commit inline, a page in the daemon and in a rebuild) and coalesces each chat's consecutive token
/// batches into one update per message and one of the chat row. Events of different chats touch different rows, so
/// a chat's run may stay open across other chats' events; any other event of the chat closes it first, so every
/// statement of a chat runs in the order of its stream.
/// </remarks>
public sealed class ChatProjection : EventProjection, IInlineProjection<IDocumentOperations>, IJasperFxProjection<IDocumentOperations>
{
    public const string ProjectionName = "chats";

    private static readonly HashSet<Type> ChatEvents = ChatStream.Events.Select(e => e.Type).ToHashSet();

    public ChatProjection()
    {
        Name = ProjectionName;
        foreach (var table in Tables()) SchemaObjects.Add(table);
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.chat_messages");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.chats");
        foreach (var (type, _) in ChatStream.Events) IncludeType(type);
    }

    // Re-implemented from Marten's EventProjection, whose own versions call ApplyAsync once per event.
    async Task IInlineProjection<IDocumentOperations>.ApplyAsync(IDocumentOperations operations, IEnumerable<StreamAction> streams,
        CancellationToken cancellation)
    {
        var events = streams.SelectMany(s => s.Events).ToList();
        await EnrichEventsAsync(operations, events, cancellation);
        Apply(operations, events);
    }

    Task IJasperFxProjection<IDocumentOperations>.ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events,
        CancellationToken cancellation)
    {
        Apply(operations, events);
        return Task.CompletedTask;
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        Apply(operations, [e]);
        return ValueTask.CompletedTask;
    }

    // Inline, a projection is handed every event of the commit: only the chat events count.
    private static void Apply(IDocumentOperations operations, IReadOnlyList<IEvent> events)
    {
        var runs = new Dictionary<Guid, TokenRun>();
        foreach (var e in events)
        {
            if (!ChatEvents.Contains(e.EventType)) continue;
            try
            {
                var id = IdOf(e);
                if (e.Data is ReplyTokensAppended batch)
                {
                    if (!runs.TryGetValue(id, out var run)) runs[id] = run = new TokenRun(id);
                    run.Add(e, batch);
                    continue;
                }
                if (runs.Remove(id, out var open)) open.Queue(operations);
                ApplyOne(operations, e);
            }
            catch (Exception ex) when (!ProjectionExceptions.IsExceptionTransient(ex))
            {
                // As Marten's own loop does, so the daemon knows which event failed.
                throw new ApplyEventException(e, ex);
            }
        }
        foreach (var run in runs.Values) run.Queue(operations);
    }

    private static void ApplyOne(IDocumentOperations operations, IEvent e)
    {
        switch (e.Data)
        {
            case ChatStarted x: Started(operations, e, x); break;
            case UserMessagePosted x: Posted(operations, e, x); break;
            case ReplyStarted x: ReplyStarted(operations, e, x); break;
            case ReplyCompleted x:
                Finished(operations, e, x.MessageId, "complete",
                    "finish_reason = ?, prompt_tokens = ?, completion_tokens = ?, time_to_first_token_ms = ?, tokens_per_second = ?",
                    x.FinishReason, x.PromptTokens, x.CompletionTokens, (object?)x.TimeToFirstTokenMs ?? DBNull.Value, x.TokensPerSecond);
                break;
            case ReplyFailed x: Finished(operations, e, x.MessageId, "failed", "error = ?", x.Error); break;
            case ReplyInterrupted x: Finished(operations, e, x.MessageId, "interrupted", "error = ?", x.Reason); break;
        }
    }

    internal static Guid IdOf(IEvent e) => Guid.ParseExact(e.StreamKey!.AsSpan("chat-".Length), "N");

    private static void Started(IDocumentOperations ops, IEvent e, ChatStarted x) => ops.QueueSqlCommand("""
        insert into chats (id, constitution_id, slug, revision, prompt_hash, model_id, owner_id, owner_name, title, created, updated,
                           status, provenance, stream_version)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'idle', ?::jsonb, ?)
        """,
        x.ChatId, x.Provenance.ConstitutionId, x.Provenance.Slug, x.Provenance.Revision, x.Provenance.PromptHash, x.Provenance.Model.Id,
        x.OwnerId, x.OwnerName, x.Title, e.Timestamp, e.Timestamp, Json(x.Provenance), e.Version);

    private static void Posted(IDocumentOperations ops, IEvent e, UserMessagePosted x)
    {
        var id = IdOf(e);
        ops.QueueSqlCommand("""
            insert into chat_messages (chat_id, message_id, parent_id, role, text, text_length, status, position, author_id, author_name,
                                       created, updated)
            values (?, ?, ?, 'user', ?, ?, 'complete', ?, ?, ?, ?, ?)
            """,
            id, x.MessageId, (object?)x.ParentMessageId ?? DBNull.Value, x.Text, x.Text.Length, e.Version, e.ActorId(), e.ActorName(),
            e.Timestamp, e.Timestamp);
        ChatAfter(ops, e, id, countMessage: true);
    }

    private static void ReplyStarted(IDocumentOperations ops, IEvent e, ReplyStarted x)
    {
        var id = IdOf(e);
        ops.QueueSqlCommand("""
            insert into chat_messages (chat_id, message_id, parent_id, role, text, text_length, status, position, author_id, author_name,
                                       node, provenance, created, updated)
            values (?, ?, ?, 'assistant', '', 0, 'streaming', ?, ?, ?, ?, ?::jsonb, ?, ?)
            """,
            id, x.MessageId, x.ParentMessageId, e.Version, e.ActorId(), e.ActorName(), x.Node,
            x.Provenance is null ? DBNull.Value : Json(x.Provenance), e.Timestamp, e.Timestamp);
        ChatAfter(ops, e, id, countMessage: true);
    }

    /// <summary>
    /// Consecutive token batches of one chat: per message the text they append, the last token count and time; and
    /// the last event, which the chat row takes its version and time from. A token batch never changes a status
    /// (its reply is streaming already, and the chat with it), so the chat row needs neither the status query nor
    /// a statement per batch.
    /// </summary>
    private sealed class TokenRun(Guid chatId)
    {
        private readonly Dictionary<Guid, (StringBuilder Text, int CompletionTokens, DateTimeOffset Updated)> messages = [];
        private IEvent last = null!;

        public void Add(IEvent e, ReplyTokensAppended x)
        {
            var text = messages.TryGetValue(x.MessageId, out var m) ? m.Text : new StringBuilder();
            messages[x.MessageId] = (text.Append(x.TextDelta), x.CompletionTokens, e.Timestamp);
            last = e;
        }

        public void Queue(IDocumentOperations ops)
        {
            foreach (var (messageId, m) in messages)
                ops.QueueSqlCommand("""
                    update chat_messages set text = text || ?, text_length = text_length + ?, completion_tokens = ?, updated = ?
                    where chat_id = ? and message_id = ?
                    """, m.Text.ToString(), m.Text.Length, m.CompletionTokens, m.Updated, chatId, messageId);
            ops.QueueSqlCommand("update chats set stream_version = ?, updated = ? where id = ?", last.Version, last.Timestamp, chatId);
        }
    }

    private static void Finished(IDocumentOperations ops, IEvent e, Guid messageId, string status, string sets, params object[] values)
    {
        var id = IdOf(e);
        ops.QueueSqlCommand($"update chat_messages set status = ?, updated = ?, {sets} where chat_id = ? and message_id = ?",
            [status, e.Timestamp, .. values, id, messageId]);
        ChatAfter(ops, e, id, countMessage: false);
    }

    /// <summary>The chat row after an event. Queued after the message rows of the event, so the status sees them:
    /// 'streaming' while any reply of the chat is being written, else 'idle'.</summary>
    private static void ChatAfter(IDocumentOperations ops, IEvent e, Guid id, bool countMessage) => ops.QueueSqlCommand($"""
        update chats set {(countMessage ? "message_count = message_count + 1, " : "")}stream_version = ?, updated = ?,
            status = case when exists (select 1 from chat_messages m where m.chat_id = ? and m.status = 'streaming') then 'streaming' else 'idle' end
        where id = ?
        """, e.Version, e.Timestamp, id, id);

    private static string Json(object value) => JsonSerializer.Serialize(value, HubJson.Options);

    private static IEnumerable<Table> Tables()
    {
        var chats = new Table(HubMarten.Table("chats"));
        chats.AddColumn("id", "uuid").AsPrimaryKey();
        chats.AddColumn("constitution_id", "uuid").NotNull();
        chats.AddColumn("slug", "text").NotNull();
        chats.AddColumn("revision", "integer").NotNull();
        chats.AddColumn("prompt_hash", "text").NotNull();
        chats.AddColumn("model_id", "text").NotNull();
        chats.AddColumn("owner_id", "text").NotNull();
        chats.AddColumn("owner_name", "text").NotNull();
        chats.AddColumn("title", "text").NotNull();
        chats.AddColumn("created", "timestamp with time zone").NotNull();
        chats.AddColumn("updated", "timestamp with time zone").NotNull();
        chats.AddColumn("status", "text").NotNull();
        chats.AddColumn("message_count", "integer").NotNull().DefaultValueByExpression("0");
        chats.AddColumn("provenance", "jsonb").NotNull();
        chats.AddColumn("stream_version", "bigint").NotNull();
        // Listing per constitution, newest first, optionally narrowed by revision, model or author; and per owner.
        chats.Indexes.Add(new IndexDefinition("chats_constitution_created") { Columns = ["constitution_id", "created", "id"] });
        chats.Indexes.Add(new IndexDefinition("chats_constitution_revision") { Columns = ["constitution_id", "revision", "created"] });
        chats.Indexes.Add(new IndexDefinition("chats_constitution_model") { Columns = ["constitution_id", "model_id", "created"] });
        chats.Indexes.Add(new IndexDefinition("chats_constitution_owner") { Columns = ["constitution_id", "owner_id", "created"] });
        chats.Indexes.Add(new IndexDefinition("chats_owner") { Columns = ["owner_id", "created"] });
        yield return chats;

        var messages = new Table(HubMarten.Table("chat_messages"));
        messages.AddColumn("chat_id", "uuid").AsPrimaryKey();
        messages.AddColumn("message_id", "uuid").AsPrimaryKey();
        messages.AddColumn("parent_id", "uuid");
        messages.AddColumn("role", "text").NotNull();
        messages.AddColumn("text", "text").NotNull();
        // Length of text in UTF-16 code units, as .NET counts it: the reply length limit reads it without the text.
        messages.AddColumn("text_length", "integer").NotNull();
        messages.AddColumn("status", "text").NotNull();
        // Stream version of the event that created the message: creation order, also among siblings.
        messages.AddColumn("position", "bigint").NotNull();
        messages.AddColumn("author_id", "text").NotNull();
        messages.AddColumn("author_name", "text").NotNull();
        messages.AddColumn("node", "text");
        messages.AddColumn("prompt_tokens", "integer");
        messages.AddColumn("completion_tokens", "integer").NotNull().DefaultValueByExpression("0");
        messages.AddColumn("time_to_first_token_ms", "double precision");
        messages.AddColumn("tokens_per_second", "double precision");
        messages.AddColumn("finish_reason", "text");
        messages.AddColumn("error", "text");
        // Set on a reply only when it ran with other settings than the chat started with.
        messages.AddColumn("provenance", "jsonb");
        messages.AddColumn("created", "timestamp with time zone").NotNull();
        messages.AddColumn("updated", "timestamp with time zone").NotNull();
        messages.ForeignKeys.Add(new ForeignKey("chat_messages_chat_fkey")
        {
            ColumnNames = ["chat_id"], LinkedNames = ["id"], LinkedTable = chats.Identifier,
        });
        messages.Indexes.Add(new IndexDefinition("chat_messages_order") { Columns = ["chat_id", "position"] });
        // Start-up recovery looks for replies left streaming; few rows ever match.
        messages.Indexes.Add(new IndexDefinition("chat_messages_streaming") { Columns = ["node"], Predicate = "status = 'streaming'" });
        yield return messages;
    }
}
