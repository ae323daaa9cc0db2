using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.PromptSets;

/// <summary>The <c>prompt_sets</c> list from the prompt set streams, inline: a new set is listed the moment it commits.</summary>
public sealed class PromptSetProjection : EventProjection
{
    public const string ProjectionName = "prompt_sets";

    public PromptSetProjection()
    {
        Name = ProjectionName;
        SchemaObjects.Add(Table());
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.prompt_sets");
        IncludeType<PromptSetCreated>();
        IncludeType<PromptItemsSaved>();
        IncludeType<PromptItemsRemoved>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        if (e.Data is PromptSetCreated x)
            operations.QueueSqlCommand("""
                insert into prompt_sets (stream_id, id, name, description, owner_id, owner_name, version, updated)
                values (?, ?, ?, ?, ?, ?, ?, ?)
                """, e.StreamKey!, x.Id, x.Name, x.Description, e.ActorId(), e.ActorName(), (int)e.Version, e.Timestamp);
        else
            operations.QueueSqlCommand("update prompt_sets set version = ?, updated = ? where stream_id = ?", (int)e.Version, e.Timestamp, e.StreamKey!);
        return ValueTask.CompletedTask;
    }

    private static Table Table()
    {
        var table = new Table(HubMarten.Table("prompt_sets"));
        table.AddColumn("stream_id", "text").AsPrimaryKey();
        table.AddColumn("id", "uuid").NotNull();
        table.AddColumn("name", "text").NotNull();
        table.AddColumn("description", "text").NotNull();
        table.AddColumn("owner_id", "text").NotNull();
        table.AddColumn("owner_name", "text").NotNull();
        table.AddColumn("version", "integer").NotNull();
        table.AddColumn("updated", "timestamp with time zone").NotNull();
        return table;
    }
}
