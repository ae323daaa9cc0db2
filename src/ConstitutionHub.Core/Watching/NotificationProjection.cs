using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Watching;

public enum NotificationKind
{
    /// <summary>A reply in a watched thread.</summary>
    Reply,
    /// <summary>Someone wrote the person's <c>@handle</c> in a comment.</summary>
    Mention,
    /// <summary>A new revision of a watched constitution, or one that changed a watched section.</summary>
    Revision,
    /// <summary>A finding in a watched thread or constitution changed status.</summary>
    FindingStatus,
}

/// <summary>
/// Each person's notifications (table <c>notifications</c>), run by Marten's async daemon like the search index: who
/// is told is worked out in SQL from <see cref="Watchers"/> after the write, off the writer's path, and may lag it a
/// moment. One row per person and event (keyed by the event's sequence, so the daemon's replays add nothing twice); a
/// mention wins over the reply it is written in. Nobody is told of their own actions. Whether the person may still
/// read the document is checked when notifications are read (<see cref="NotificationQueries"/>), so losing access
/// hides them at once. Each insert also notifies <see cref="Channel"/> with the person's id, delivered when the
/// daemon's transaction commits: every web node hears it and updates that person's badge.
/// Whether a notification was read lives apart (<c>notification_reads</c>) and survives a rebuild.
/// </summary>
public sealed class NotificationProjection : EventProjection
{
    public const string ProjectionName = "notifications";

    /// <summary>The PostgreSQL channel every new notification is announced on (payload: <c>{"node", "person"}</c>).</summary>
    public const string Channel = "hub_inbox";

    /// <summary>The node name the announcements carry: no web node has it, so every node, the daemon's included, hears them.</summary>
    public const string Sender = "notifications";

    public const int MaxExcerpt = 280;

    public NotificationProjection()
    {
        Name = ProjectionName;
        SchemaObjects.Add(Table());
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.notifications");
        IncludeType<AnnotationCreated>();
        IncludeType<ReplyPosted>();
        IncludeType<CommentEdited>();
        IncludeType<FindingStatusChanged>();
        IncludeType<RevisionCommitted>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations ops, IEvent e, CancellationToken cancellation)
    {
        var annotation = e.StreamKey?.StartsWith(AnnotationStream.Type + "-", StringComparison.Ordinal) == true
            ? AnnotationStream.IdOf(e.StreamKey) : (Guid?)null;
        switch (e.Data)
        {
            case AnnotationCreated x:
                Mentions(ops, e, x.AnnotationId, x.AnnotationId, x.Mentions, x.Body);
                break;
            case ReplyPosted x when annotation is { } id:
                Mentions(ops, e, id, x.ReplyId, x.Mentions, x.Body);
                Notify(ops, e, ThreadTarget, [Array.Empty<string>(), id], Watchers.OfThread, NotificationKind.Reply, id, x.ReplyId, null, x.Body);
                break;
            case CommentEdited x when annotation is { } id:
                Mentions(ops, e, id, x.CommentId, x.Mentions, x.Body);
                break;
            case FindingStatusChanged x when annotation is { } id:
                Notify(ops, e, ThreadTarget, [Array.Empty<string>(), id], $"{Watchers.OfThread} union {Watchers.OfConstitution}",
                    NotificationKind.FindingStatus, id, null, null, $"{x.Status.ToString().ToLowerInvariant()}: {x.Reason}");
                break;
            case RevisionCommitted { Number: > 1 } x:
                var constitution = ConstitutionProjection.IdOf(e);
                Notify(ops, e, RevisionTarget, [constitution, constitution, x.Number, constitution, x.Number - 1],
                    $"{Watchers.OfConstitution} union {Watchers.OfSections}", NotificationKind.Revision, null, null, x.Number,
                    x.RestoredFrom is { } from ? $"r{x.Number}: restored r{from}" : $"r{x.Number}: {x.Summary}");
                break;
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>The target of a thread's events: its constitution from the (inline) annotation row.</summary>
    private const string ThreadTarget =
        "select an.constitution_id as c, an.id as a, '{}'::text[] as s, ?::text[] as h from annotations an where an.id = ?::uuid";

    /// <summary>The target of a revision: the sections whose text differs from the revision before (added, changed, removed).</summary>
    private const string RevisionTarget = """
        select ?::uuid as c, null::uuid as a, array(
            select coalesce(n.id, o.id)
            from (select x->>'id' as id, x->>'contentHash' as h from revisions r, jsonb_array_elements(r.sections) x
                  where r.constitution_id = ?::uuid and r.number = ?::integer) n
            full join (select x->>'id' as id, x->>'contentHash' as h from revisions r, jsonb_array_elements(r.sections) x
                       where r.constitution_id = ?::uuid and r.number = ?::integer) o on o.id = n.id
            where n.h is distinct from o.h) as s, '{}'::text[] as h
        """;

    private static void Mentions(IDocumentOperations ops, IEvent e, Guid annotationId, Guid commentId, IReadOnlyList<string> handles, string body)
    {
        if (handles.Count == 0) return;
        // An edit that keeps a mention does not repeat it: once per person and comment.
        Notify(ops, e, ThreadTarget, [handles.ToArray(), annotationId], Watchers.Mentioned, NotificationKind.Mention, annotationId, commentId, null, body,
            except: "not exists (select 1 from notifications n where n.person_id = r.person_id and n.kind = 'Mention' and n.comment_id = ?::uuid)",
            exceptValues: [commentId]);
    }

    private static void Notify(IDocumentOperations ops, IEvent e, string target, object[] targetValues, string recipients, NotificationKind kind,
        Guid? annotationId, Guid? commentId, int? revision, string text, string except = "true", object[]? exceptValues = null)
    {
        ops.QueueSqlCommand($"""
            with t as ({target}),
            recipients as ({recipients}),
            inserted as (
                insert into notifications (person_id, seq, kind, constitution_id, annotation_id, comment_id, revision, actor_name, text, at)
                select distinct r.person_id, ?::bigint, ?, t.c, ?::uuid, ?::uuid, ?::integer, ?, ?, ?::timestamptz
                from recipients r, t where r.person_id <> ? and {except}
                on conflict (person_id, seq) do nothing
                returning person_id)
            select pg_notify('{Channel}', json_build_object('node', '{Sender}', 'person', person_id)::text) from inserted
            """,
            [.. targetValues, e.Sequence, kind.ToString(), Nullable(annotationId), Nullable(commentId), Nullable(revision), e.ActorName(),
             Excerpt(text), e.Timestamp, e.ActorId(), .. exceptValues ?? []]);
    }

    /// <summary>The start of a text as a notification shows it: one line, at most <see cref="MaxExcerpt"/> characters.</summary>
    public static string Excerpt(string text)
    {
        var line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= MaxExcerpt ? line : line[..(MaxExcerpt - 1)] + "…";
    }

    private static object Nullable(object? value) => value ?? DBNull.Value;

    private static Table Table()
    {
        var notifications = new Table(HubMarten.Table("notifications"));
        notifications.AddColumn("person_id", "text").AsPrimaryKey();
        notifications.AddColumn("seq", "bigint").AsPrimaryKey();
        notifications.AddColumn("kind", "text").NotNull();
        notifications.AddColumn("constitution_id", "uuid").NotNull();
        notifications.AddColumn("annotation_id", "uuid");
        notifications.AddColumn("comment_id", "uuid");
        notifications.AddColumn("revision", "integer");
        notifications.AddColumn("actor_name", "text").NotNull();
        notifications.AddColumn("text", "text").NotNull();
        notifications.AddColumn("at", "timestamp with time zone").NotNull();
        return notifications;
    }

    /// <summary>Which notifications each person has read: not part of the projection, so a rebuild keeps it.</summary>
    internal static Table ReadsTable()
    {
        var reads = new Table(HubMarten.Table("notification_reads"));
        reads.AddColumn("person_id", "text").AsPrimaryKey();
        reads.AddColumn("seq", "bigint").AsPrimaryKey();
        return reads;
    }
}
