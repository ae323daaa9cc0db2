using System.Text.Json;
using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Annotations;

/// <summary>
/// The read models of annotation streams, inline (a new annotation or reply is on the page right after the write):
/// <c>annotations</c> (one row per thread with its current anchor), <c>annotation_anchors</c> (where it is on each
/// revision since it was made, so any revision's page can show it and say what moved), <c>annotation_comments</c>,
/// <c>annotation_comment_edits</c> (the edit history) and <c>annotation_evidence</c>.
/// </summary>
public sealed class AnnotationProjection : EventProjection
{
    public const string ProjectionName = "annotations";

    public AnnotationProjection()
    {
        Name = ProjectionName;
        foreach (var table in Tables()) SchemaObjects.Add(table);
        foreach (var table in new[] { "annotation_evidence", "annotation_comment_edits", "annotation_comments", "annotation_anchors", "annotations" })
            Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.{table}");
        foreach (var (type, _) in AnnotationStream.Events) IncludeType(type);
    }

    public override ValueTask ApplyAsync(IDocumentOperations ops, IEvent e, CancellationToken cancellation)
    {
        // Every event of the store passes through; only annotation streams are ours.
        if (e.StreamKey?.StartsWith(AnnotationStream.Type + "-", StringComparison.Ordinal) != true) return ValueTask.CompletedTask;
        var id = AnnotationStream.IdOf(e.StreamKey);
        switch (e.Data)
        {
            case AnnotationCreated x: Created(ops, e, x); break;
            case AnchorCarried x: Carried(ops, e, id, x); break;
            case ReplyPosted x:
                ops.QueueSqlCommand("""
                    insert into annotation_comments (id, annotation_id, author_id, author_name, body, mentions, created, updated)
                    values (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
                    """, x.ReplyId, id, e.ActorId(), e.ActorName(), x.Body, Json(x.Mentions), e.Timestamp, e.Timestamp);
                Touch(ops, e, id, "reply_count = reply_count + 1");
                break;
            case CommentEdited x:
                // The text being replaced, with who replaced it and when: the history is the comment's texts in order.
                ops.QueueSqlCommand("""
                    insert into annotation_comment_edits (comment_id, version, body, edited_at, edited_by_name)
                    select id, ?, body, ?, ? from annotation_comments where id = ?
                    """, e.Version, e.Timestamp, e.ActorName(), x.CommentId);
                ops.QueueSqlCommand("update annotation_comments set body = ?, mentions = ?::jsonb, updated = ?, edit_count = edit_count + 1 where id = ?",
                    x.Body, Json(x.Mentions), e.Timestamp, x.CommentId);
                Touch(ops, e, id);
                break;
            case CommentDeleted x:
                ops.QueueSqlCommand("update annotation_comments set deleted = true, deleted_by_name = ?, updated = ? where id = ?", e.ActorName(), e.Timestamp, x.CommentId);
                Touch(ops, e, id, x.CommentId == id ? "deleted = true" : "reply_count = reply_count - 1");
                break;
            case ThreadResolved:
                Touch(ops, e, id, "resolved = true, resolved_by_name = ?", e.ActorName());
                break;
            case ThreadReopened:
                Touch(ops, e, id, "resolved = false, resolved_by_name = null");
                break;
            case FindingStatusChanged x:
                Touch(ops, e, id, "finding_status = ?, status_reason = ?, status_by_name = ?", x.Status.ToString(), x.Reason, e.ActorName());
                break;
            case EvidenceAdded x:
                var ev = x.Evidence;
                ops.QueueSqlCommand("""
                    insert into annotation_evidence (id, annotation_id, kind, target, relation, note, chat_id, message_id, revision, prompt_hash,
                                                     section_hashes, added_by_name, added_at)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)
                    """, ev.EvidenceId, id, ev.Kind.ToString(), ev.Target, ev.Relation.ToString(), ev.Note, Nullable(ev.ChatId), Nullable(ev.MessageId),
                    Nullable(ev.Revision), Nullable(ev.PromptHash), Json(ev.SectionHashes), e.ActorName(), e.Timestamp);
                Touch(ops, e, id, "evidence_count = evidence_count + 1");
                break;
            case FindingReconfirmed x:
                Touch(ops, e, id, "basis_revision = ?, basis_hashes = ?::jsonb", x.Revision, Json(x.SectionHashes));
                break;
        }
        return ValueTask.CompletedTask;
    }

    private static void Created(IDocumentOperations ops, IEvent e, AnnotationCreated x)
    {
        ops.QueueSqlCommand("""
            insert into annotations (id, constitution_id, kind, author_id, author_name, created, updated, created_revision, carried_revision,
                                     anchor_revision, anchor, original_anchor, outcome, section_id, finding, finding_status, basis_revision,
                                     basis_hashes, stream_version)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, 'Unchanged', ?, ?::jsonb, ?, ?, ?::jsonb, ?)
            """,
            x.AnnotationId, x.ConstitutionId, x.Kind.ToString(), e.ActorId(), e.ActorName(), e.Timestamp, e.Timestamp, x.Revision, x.Revision,
            x.Revision, Json(x.Anchor), Json(x.Anchor), x.Anchor.SectionId, x.Finding is null ? DBNull.Value : Json(x.Finding),
            x.Kind == AnnotationKind.Finding ? nameof(FindingStatus.Proposed) : DBNull.Value, x.Revision, Json(x.SectionHashes), e.Version);
        ops.QueueSqlCommand("insert into annotation_anchors (annotation_id, revision, anchor, outcome, method) values (?, ?, ?::jsonb, 'Unchanged', 'Diff')",
            x.AnnotationId, x.Revision, Json(x.Anchor));
        ops.QueueSqlCommand("""
            insert into annotation_comments (id, annotation_id, author_id, author_name, body, mentions, created, updated)
            values (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
            """, x.AnnotationId, x.AnnotationId, e.ActorId(), e.ActorName(), x.Body, Json(x.Mentions), e.Timestamp, e.Timestamp);
    }

    private static void Carried(IDocumentOperations ops, IEvent e, Guid id, AnchorCarried x)
    {
        var anchor = x.Anchor is null ? (object)DBNull.Value : Json(x.Anchor);
        ops.QueueSqlCommand("""
            insert into annotation_anchors (annotation_id, revision, anchor, outcome, method) values (?, ?, ?::jsonb, ?, ?)
            on conflict (annotation_id, revision) do update set anchor = excluded.anchor, outcome = excluded.outcome, method = excluded.method
            """, id, x.Revision, anchor, x.Outcome.ToString(), x.Method.ToString());
        if (x.Anchor is null)
        {
            ops.QueueSqlCommand("update annotations set carried_revision = ?, anchor = null, outcome = ?, stream_version = ? where id = ?",
                x.Revision, x.Outcome.ToString(), e.Version, id);
        }
        else
        {
            ops.QueueSqlCommand("""
                update annotations set carried_revision = ?, anchor_revision = ?, anchor = ?::jsonb, outcome = ?, section_id = ?, stream_version = ?
                where id = ?
                """, x.Revision, x.Revision, anchor, x.Outcome.ToString(), x.Anchor.SectionId, e.Version, id);
        }
    }

    private static void Touch(IDocumentOperations ops, IEvent e, Guid id, string? set = null, params object[] values) =>
        ops.QueueSqlCommand($"update annotations set {(set is null ? "" : set + ", ")}updated = ?, stream_version = ? where id = ?",
            [.. values, e.Timestamp, e.Version, id]);

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, HubJson.Options);

    private static object Nullable(object? value) => value ?? DBNull.Value;

    private static IEnumerable<Table> Tables()
    {
        var annotations = new Table(HubMarten.Table("annotations"));
        annotations.AddColumn("id", "uuid").AsPrimaryKey();
        annotations.AddColumn("constitution_id", "uuid").NotNull();
        annotations.AddColumn("kind", "text").NotNull();
        annotations.AddColumn("author_id", "text").NotNull();
        annotations.AddColumn("author_name", "text").NotNull();
        annotations.AddColumn("created", "timestamp with time zone").NotNull();
        annotations.AddColumn("updated", "timestamp with time zone").NotNull();
        annotations.AddColumn("created_revision", "integer").NotNull();
        // The newest revision re-anchoring has run for, and the newest one the text was found on (older for an orphan).
        annotations.AddColumn("carried_revision", "integer").NotNull();
        annotations.AddColumn("anchor_revision", "integer").NotNull();
        annotations.AddColumn("anchor", "jsonb");
        annotations.AddColumn("original_anchor", "jsonb").NotNull();
        annotations.AddColumn("outcome", "text").NotNull();
        annotations.AddColumn("section_id", "text").NotNull();
        annotations.AddColumn("resolved", "boolean").NotNull().DefaultValueByExpression("false");
        annotations.AddColumn("resolved_by_name", "text");
        annotations.AddColumn("deleted", "boolean").NotNull().DefaultValueByExpression("false");
        annotations.AddColumn("reply_count", "integer").NotNull().DefaultValueByExpression("0");
        annotations.AddColumn("finding", "jsonb");
        annotations.AddColumn("finding_status", "text");
        annotations.AddColumn("status_reason", "text");
        annotations.AddColumn("status_by_name", "text");
        annotations.AddColumn("evidence_count", "integer").NotNull().DefaultValueByExpression("0");
        annotations.AddColumn("basis_revision", "integer").NotNull();
        annotations.AddColumn("basis_hashes", "jsonb").NotNull();
        annotations.AddColumn("stream_version", "bigint").NotNull();
        annotations.Indexes.Add(new IndexDefinition("annotations_constitution") { Columns = ["constitution_id", "carried_revision"] });
        yield return annotations;

        var anchors = new Table(HubMarten.Table("annotation_anchors"));
        anchors.AddColumn("annotation_id", "uuid").AsPrimaryKey();
        anchors.AddColumn("revision", "integer").AsPrimaryKey();
        anchors.AddColumn("anchor", "jsonb");
        anchors.AddColumn("outcome", "text").NotNull();
        anchors.AddColumn("method", "text").NotNull();
        anchors.ForeignKeys.Add(new ForeignKey("annotation_anchors_annotation_fkey")
        {
            ColumnNames = ["annotation_id"], LinkedNames = ["id"], LinkedTable = annotations.Identifier,
        });
        yield return anchors;

        var comments = new Table(HubMarten.Table("annotation_comments"));
        comments.AddColumn("id", "uuid").AsPrimaryKey();
        comments.AddColumn("annotation_id", "uuid").NotNull();
        comments.AddColumn("author_id", "text").NotNull();
        comments.AddColumn("author_name", "text").NotNull();
        comments.AddColumn("body", "text").NotNull();
        comments.AddColumn("mentions", "jsonb").NotNull();
        comments.AddColumn("created", "timestamp with time zone").NotNull();
        comments.AddColumn("updated", "timestamp with time zone").NotNull();
        comments.AddColumn("edit_count", "integer").NotNull().DefaultValueByExpression("0");
        comments.AddColumn("deleted", "boolean").NotNull().DefaultValueByExpression("false");
        comments.AddColumn("deleted_by_name", "text");
        comments.ForeignKeys.Add(new ForeignKey("annotation_comments_annotation_fkey")
        {
            ColumnNames = ["annotation_id"], LinkedNames = ["id"], LinkedTable = annotations.Identifier,
        });
        comments.Indexes.Add(new IndexDefinition("annotation_comments_thread") { Columns = ["annotation_id", "created"] });
        yield return comments;

        var edits = new Table(HubMarten.Table("annotation_comment_edits"));
        edits.AddColumn("comment_id", "uuid").AsPrimaryKey();
        edits.AddColumn("version", "bigint").AsPrimaryKey();
        edits.AddColumn("body", "text").NotNull();
        edits.AddColumn("edited_at", "timestamp with time zone").NotNull();
        // Null on rows written before it was recorded: only the author edits, so the author.
        edits.AddColumn("edited_by_name", "text");
        yield return edits;

        var evidence = new Table(HubMarten.Table("annotation_evidence"));
        evidence.AddColumn("id", "uuid").AsPrimaryKey();
        evidence.AddColumn("annotation_id", "uuid").NotNull();
        evidence.AddColumn("kind", "text").NotNull();
        evidence.AddColumn("target", "text").NotNull();
        evidence.AddColumn("relation", "text").NotNull();
        evidence.AddColumn("note", "text").NotNull();
        evidence.AddColumn("chat_id", "uuid");
        evidence.AddColumn("message_id", "uuid");
        evidence.AddColumn("revision", "integer");
        evidence.AddColumn("prompt_hash", "text");
        evidence.AddColumn("section_hashes", "jsonb").NotNull();
        evidence.AddColumn("added_by_name", "text").NotNull();
        evidence.AddColumn("added_at", "timestamp with time zone").NotNull();
        evidence.ForeignKeys.Add(new ForeignKey("annotation_evidence_annotation_fkey")
        {
            ColumnNames = ["annotation_id"], LinkedNames = ["id"], LinkedTable = annotations.Identifier,
        });
        evidence.Indexes.Add(new IndexDefinition("annotation_evidence_annotation") { Columns = ["annotation_id"] });
        yield return evidence;
    }
}
