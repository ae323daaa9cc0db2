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
/// disagree. Plain tables rather than documents: the history list pages, sorts and counts with indexed SQL. Roles live
/// in <c>constitution_members</c>, with pending <c>constitution_invitations</c> and <c>join_requests</c>.
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
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.constitution_members");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.constitution_invitations");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.join_requests");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.revisions");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.constitutions");
        foreach (var (type, _) in ConstitutionStream.Events) IncludeType(type);
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
            default: ApplyMembership(operations, e); break;
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

    /// <summary>Roles, invitations and requests to join: each event changes one row and moves the stream version on.</summary>
    private static void ApplyMembership(IDocumentOperations ops, IEvent e)
    {
        // Marten hands this projection other streams' events too; only constitution streams carry an id to read.
        if (!ConstitutionStream.Events.Any(t => t.Type == e.Data.GetType())) return;
        var id = IdOf(e);
        switch (e.Data)
        {
            case VisibilityChanged x:
                ops.QueueSqlCommand("update constitutions set visibility = ? where id = ?", x.Visibility.ToString(), id);
                break;
            case EditingRestricted:
                ops.QueueSqlCommand("update constitutions set edits_restricted = true where id = ?", id);
                break;
            case EditingOpened:
                ops.QueueSqlCommand("update constitutions set edits_restricted = false where id = ?", id);
                break;
            case MemberRoleGranted x:
                ops.QueueSqlCommand("""
                    insert into constitution_members (constitution_id, person_id, person_name, role, since, granted_by_name) values (?, ?, ?, ?, ?, ?)
                    on conflict (constitution_id, person_id) do update set role = excluded.role, granted_by_name = excluded.granted_by_name
                    """, id, x.PersonId, x.PersonName, x.Role.ToString(), e.Timestamp, e.ActorName());
                break;
            case MemberRoleChanged x:
                ops.QueueSqlCommand("update constitution_members set role = ?, granted_by_name = ? where constitution_id = ? and person_id = ?",
                    x.Role.ToString(), e.ActorName(), id, x.PersonId);
                break;
            case MemberRemoved x:
                ops.QueueSqlCommand("delete from constitution_members where constitution_id = ? and person_id = ?", id, x.PersonId);
                break;
            case MemberInvited x:
                ops.QueueSqlCommand("""
                    insert into constitution_invitations (constitution_id, person_id, person_name, role, by_name, at) values (?, ?, ?, ?, ?, ?)
                    on conflict (constitution_id, person_id) do update set role = excluded.role, by_name = excluded.by_name, at = excluded.at
                    """, id, x.PersonId, x.PersonName, x.Role.ToString(), e.ActorName(), e.Timestamp);
                break;
            case InvitationAccepted or InvitationDeclined or InvitationWithdrawn:
                ops.QueueSqlCommand("delete from constitution_invitations where constitution_id = ? and person_id = ?", id, PersonOf(e.Data));
                break;
            case JoinRequested x:
                ops.QueueSqlCommand("""
                    insert into join_requests (constitution_id, person_id, person_name, role, at) values (?, ?, ?, ?, ?)
                    on conflict (constitution_id, person_id) do update set role = excluded.role, at = excluded.at
                    """, id, x.PersonId, x.PersonName, x.Role.ToString(), e.Timestamp);
                break;
            case OwnershipTransferred x:
                // The previous owner's name is still on the row: they stay on as maintainer before the row changes hands.
                ops.QueueSqlCommand("""
                    insert into constitution_members (constitution_id, person_id, person_name, role, since, granted_by_name)
                    select id, owner_id, owner_name, ?, ?, ? from constitutions where id = ?
                    on conflict (constitution_id, person_id) do update set role = excluded.role
                    """, nameof(DocumentRole.Maintainer), e.Timestamp, e.ActorName(), id);
                ops.QueueSqlCommand("update constitutions set owner_id = ?, owner_name = ? where id = ?", x.PersonId, x.PersonName, id);
                ops.QueueSqlCommand("delete from constitution_members where constitution_id = ? and person_id = ?", id, x.PersonId);
                break;
            case JoinApproved or JoinRefused:
                ops.QueueSqlCommand("delete from join_requests where constitution_id = ? and person_id = ?", id, PersonOf(e.Data));
                break;
            default:
                return;
        }
        ops.QueueSqlCommand("update constitutions set stream_version = ? where id = ?", e.Version, id);
    }

    private static string PersonOf(object data) => data switch
    {
        InvitationAccepted x => x.PersonId,
        InvitationDeclined x => x.PersonId,
        InvitationWithdrawn x => x.PersonId,
        JoinApproved x => x.PersonId,
        JoinRefused x => x.PersonId,
        _ => throw new ArgumentException($"{data.GetType().Name} names no person.", nameof(data)),
    };

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
        constitutions.AddColumn("edits_restricted", "boolean").NotNull().DefaultValueByExpression("false");
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

        yield return PeopleTable("constitution_members", constitutions, table =>
        {
            table.AddColumn("since", "timestamp with time zone").NotNull();
            table.AddColumn("granted_by_name", "text").NotNull();
            // "Which constitutions is this person a member of": lists and search filter by it.
            table.Indexes.Add(new IndexDefinition("constitution_members_person") { Columns = ["person_id"] });
        });
        yield return PeopleTable("constitution_invitations", constitutions, table =>
        {
            table.AddColumn("by_name", "text").NotNull();
            table.AddColumn("at", "timestamp with time zone").NotNull();
            table.Indexes.Add(new IndexDefinition("constitution_invitations_person") { Columns = ["person_id"] });
        });
        yield return PeopleTable("join_requests", constitutions, table => table.AddColumn("at", "timestamp with time zone").NotNull());
    }

    /// <summary>A table of people with a role on one constitution (members, invitations, requests share this shape).</summary>
    private static Table PeopleTable(string name, Table constitutions, Action<Table> more)
    {
        var table = new Table(HubMarten.Table(name));
        table.AddColumn("constitution_id", "uuid").AsPrimaryKey();
        table.AddColumn("person_id", "text").AsPrimaryKey();
        table.AddColumn("person_name", "text").NotNull();
        table.AddColumn("role", "text").NotNull();
        more(table);
        table.ForeignKeys.Add(new ForeignKey($"{name}_constitution_fkey")
        {
            ColumnNames = ["constitution_id"], LinkedNames = ["id"], LinkedTable = constitutions.Identifier,
        });
        return table;
    }
}
