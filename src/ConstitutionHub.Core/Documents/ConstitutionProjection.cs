using System.Text;
using System.Text.Json;
using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Documents;

/// <summary>
/// The read models of the constitution streams (tables <c>constitutions</c>, <c>revisions</c>, <c>labels</c>), run
/// inline: written in the append's transaction, so a page reads its own write and events and read models never
/// disagree. Plain tables rather than documents: the history list pages, sorts and counts with indexed SQL.
/// </summary>
public sealed class ConstitutionProjection : EventProjection
{
    public const string ProjectionName = "constitutions";

    public ConstitutionProjection()
    {
        Name = ProjectionName;
        foreach (var table in Tables()) SchemaObjects.Add(table);
        // Children first: a rebuild empties the tables before replaying every constitution event.
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.labels");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.revisions");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.constitutions");
        IncludeType<ConstitutionCreated>();
        IncludeType<RevisionCommitted>();
        IncludeType<DetailsChanged>();
        IncludeType<LabelMoved>();
        IncludeType<LabelRemoved>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case ConstitutionCreated x: Created(operations, e, x); break;
            case RevisionCommitted x: Committed(operations, e, x); break;
            case DetailsChanged x: Changed(operations, e, x); break;
            case LabelMoved x: Moved(operations, e, x); break;
            case LabelRemoved x: Removed(operations, e, x); break;
        }
        return ValueTask.CompletedTask;
    }

    internal static Guid IdOf(IEvent e) => Guid.ParseExact(e.StreamKey!.AsSpan("constitution-".Length), "N");

    private static void Created(IDocumentOperations ops, IEvent e, ConstitutionCreated x) => ops.QueueSqlCommand("""
        insert into constitutions (id, slug, title, summary, visibility, owner_id, owner_name, forked_from_id, forked_from_slug,
                                   forked_from_revision, stream_version, created, updated, updated_by_name)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        x.ConstitutionId, x.Slug, x.Title, x.Summary, x.Visibility.ToString(), x.OwnerId, e.ActorName(), Nullable(x.ForkedFrom?.ConstitutionId),
        Nullable(x.ForkedFrom?.Slug), Nullable(x.ForkedFrom?.Revision), e.Version, e.Timestamp, e.Timestamp, e.ActorName());

    private static void Committed(IDocumentOperations ops, IEvent e, RevisionCommitted x)
    {
        var id = IdOf(e);
        var size = Encoding.UTF8.GetByteCount(x.Markdown);
        ops.QueueSqlCommand("""
            insert into revisions (constitution_id, number, author_id, author_name, created, summary, size, size_delta, markdown, sections,
                                   base_revision, restored_from, merged)
            values (?, ?, ?, ?, ?, ?, ?, ? - coalesce((select size from revisions where constitution_id = ? and number = ?), 0),
                    ?, ?::jsonb, ?, ?, ?)
            """,
            id, x.Number, e.ActorId(), e.ActorName(), e.Timestamp, x.Summary, size, size, id, x.Number - 1, x.Markdown,
            JsonSerializer.Serialize(x.Sections, HubJson.Options), x.BaseRevision, Nullable(x.RestoredFrom), x.Merged);
        ops.QueueSqlCommand("update constitutions set head_revision = ?, stream_version = ?, updated = ?, updated_by_name = ? where id = ?",
            x.Number, e.Version, e.Timestamp, e.ActorName(), id);
    }

    private static void Changed(IDocumentOperations ops, IEvent e, DetailsChanged x) => ops.QueueSqlCommand("""
        update constitutions set title = ?, summary = ?, visibility = ?, stream_version = ?, updated = ?, updated_by_name = ? where id = ?
        """, x.Title, x.Summary, x.Visibility.ToString(), e.Version, e.Timestamp, e.ActorName(), IdOf(e));

    private static void Moved(IDocumentOperations ops, IEvent e, LabelMoved x)
    {
        var id = IdOf(e);
        ops.QueueSqlCommand("""
            insert into labels (constitution_id, name, revision, moved_by_name, moved_at) values (?, ?, ?, ?, ?)
            on conflict (constitution_id, name) do update set revision = excluded.revision, moved_by_name = excluded.moved_by_name,
                moved_at = excluded.moved_at
            """, id, x.Label, x.Revision, e.ActorName(), e.Timestamp);
        ops.QueueSqlCommand("update constitutions set stream_version = ? where id = ?", e.Version, id);
    }

    private static void Removed(IDocumentOperations ops, IEvent e, LabelRemoved x)
    {
        var id = IdOf(e);
        ops.QueueSqlCommand("delete from labels where constitution_id = ? and name = ?", id, x.Label);
        ops.QueueSqlCommand("update constitutions set stream_version = ? where id = ?", e.Version, id);
    }

    private static object Nullable(object? value) => value ?? DBNull.Value;

    private static IEnumerable<Table> Tables()
    {
        var constitutions = new Table(HubMarten.Table("constitutions"));
        constitutions.AddColumn("id", "uuid").AsPrimaryKey();
        constitutions.AddColumn("slug", "text").NotNull();
        constitutions.AddColumn("title", "text").NotNull();
        constitutions.AddColumn("summary", "text").NotNull();
        constitutions.AddColumn("visibility", "text").NotNull();
        constitutions.AddColumn("owner_id", "text").NotNull();
        constitutions.AddColumn("owner_name", "text").NotNull();
        constitutions.AddColumn("forked_from_id", "uuid");
        constitutions.AddColumn("forked_from_slug", "text");
        constitutions.AddColumn("forked_from_revision", "integer");
        constitutions.AddColumn("head_revision", "integer").NotNull().DefaultValueByExpression("0");
        constitutions.AddColumn("stream_version", "bigint").NotNull();
        constitutions.AddColumn("created", "timestamp with time zone").NotNull();
        constitutions.AddColumn("updated", "timestamp with time zone").NotNull();
        constitutions.AddColumn("updated_by_name", "text").NotNull();
        constitutions.Indexes.Add(new IndexDefinition("constitutions_slug_key") { Columns = ["slug"], IsUnique = true });
        constitutions.Indexes.Add(new IndexDefinition("constitutions_updated") { Columns = ["updated"] });
        constitutions.Indexes.Add(new IndexDefinition("constitutions_forked_from") { Columns = ["forked_from_id"] });
        yield return constitutions;

        var revisions = new Table(HubMarten.Table("revisions"));
        revisions.AddColumn("constitution_id", "uuid").AsPrimaryKey();
        revisions.AddColumn("number", "integer").AsPrimaryKey();
        revisions.AddColumn("author_id", "text").NotNull();
        revisions.AddColumn("author_name", "text").NotNull();
        revisions.AddColumn("created", "timestamp with time zone").NotNull();
        revisions.AddColumn("summary", "text").NotNull();
        revisions.AddColumn("size", "integer").NotNull();
        revisions.AddColumn("size_delta", "integer").NotNull();
        revisions.AddColumn("markdown", "text").NotNull();
        revisions.AddColumn("sections", "jsonb").NotNull();
        revisions.AddColumn("base_revision", "integer").NotNull();
        revisions.AddColumn("restored_from", "integer");
        revisions.AddColumn("merged", "boolean").NotNull().DefaultValueByExpression("false");
        revisions.ForeignKeys.Add(new ForeignKey("revisions_constitution_fkey")
        {
            ColumnNames = ["constitution_id"], LinkedNames = ["id"], LinkedTable = constitutions.Identifier,
        });
        // History pages filter and sort by author and time besides the number.
        revisions.Indexes.Add(new IndexDefinition("revisions_author") { Columns = ["constitution_id", "author_id", "number"] });
        revisions.Indexes.Add(new IndexDefinition("revisions_created") { Columns = ["constitution_id", "created"] });
        yield return revisions;

        var labels = new Table(HubMarten.Table("labels"));
        labels.AddColumn("constitution_id", "uuid").AsPrimaryKey();
        labels.AddColumn("name", "text").AsPrimaryKey();
        labels.AddColumn("revision", "integer").NotNull();
        labels.AddColumn("moved_by_name", "text").NotNull();
        labels.AddColumn("moved_at", "timestamp with time zone").NotNull();
        labels.ForeignKeys.Add(new ForeignKey("labels_constitution_fkey")
        {
            ColumnNames = ["constitution_id"], LinkedNames = ["id"], LinkedTable = constitutions.Identifier,
        });
        yield return labels;
    }
}
