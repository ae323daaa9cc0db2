using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Documents;

/// <summary>
/// The full-text index of each constitution's current title, summary and text, run by Marten's async daemon: a
/// save does not pay for <c>to_tsvector</c> over a whole document, and search may lag a save by a moment.
/// The index holds the current state, so only a stream's newest event computes it: a rebuild over a long history
/// indexes each constitution once, not once per revision.
/// </summary>
public sealed class SearchIndexProjection : EventProjection
{
    public const string ProjectionName = "search_index";

    public SearchIndexProjection()
    {
        Name = ProjectionName;
        SchemaObjects.Add(Table());
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.search_index");
        foreach (var (type, _) in ConstitutionStream.Events) IncludeType(type);
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (!e.StreamKey!.StartsWith("constitution-", StringComparison.Ordinal)) return ValueTask.CompletedTask;
        operations.QueueSqlCommand("""
            insert into search_index (constitution_id, revision, search)
            select c.id, c.head_revision,
                   setweight(to_tsvector('english', c.title), 'A') || setweight(to_tsvector('english', c.summary), 'B')
                   || setweight(to_tsvector('english', r.markdown), 'C')
            from constitutions c join revisions r on r.constitution_id = c.id and r.number = c.head_revision
            where c.id = ? and c.stream_version = ?
            on conflict (constitution_id) do update set revision = excluded.revision, search = excluded.search
            """, ConstitutionProjection.IdOf(e), e.Version);
        return ValueTask.CompletedTask;
    }

    private static Table Table()
    {
        var index = new Table(HubMarten.Table("search_index"));
        index.AddColumn("constitution_id", "uuid").AsPrimaryKey();
        index.AddColumn("revision", "integer").NotNull();
        index.AddColumn("search", "tsvector").NotNull();
        index.Indexes.Add(new IndexDefinition("search_index_search") { Columns = ["search"], Method = IndexMethod.gin });
        return index;
    }
}
