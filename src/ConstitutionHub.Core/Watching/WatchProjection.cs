using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Watching;

/// <summary>
/// Each person's watch choices (table <c>watches</c>), inline: the Read page's button shows the choice right after the
/// click. One row per person and target, the last choice (<c>watching</c> false: they stopped watching, which also
/// overrides watching by default).
/// </summary>
public sealed class WatchProjection : EventProjection
{
    public const string ProjectionName = "watches";

    public WatchProjection()
    {
        Name = ProjectionName;
        SchemaObjects.Add(Table());
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.watches");
        IncludeType<WatchStarted>();
        IncludeType<WatchStopped>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations ops, IEvent e, CancellationToken cancellation)
    {
        var (target, watching) = e.Data switch
        {
            WatchStarted x => (x.Target, true),
            WatchStopped x => (x.Target, false),
            _ => (null, false),
        };
        if (target is null) return ValueTask.CompletedTask;
        ops.QueueSqlCommand("""
            insert into watches (person_id, kind, constitution_id, target, watching, at) values (?, ?, ?, ?, ?, ?)
            on conflict (person_id, kind, constitution_id, target) do update set watching = excluded.watching, at = excluded.at
            """, WatchStream.PersonOf(e.StreamKey!), target.Kind.ToString(), target.ConstitutionId, target.Key, watching, e.Timestamp);
        return ValueTask.CompletedTask;
    }

    private static Table Table()
    {
        var watches = new Table(HubMarten.Table("watches"));
        watches.AddColumn("person_id", "text").AsPrimaryKey();
        watches.AddColumn("kind", "text").AsPrimaryKey();
        watches.AddColumn("constitution_id", "uuid").AsPrimaryKey();
        // "" for a constitution, the section id, or the annotation id (32 hex digits) of a thread.
        watches.AddColumn("target", "text").AsPrimaryKey();
        watches.AddColumn("watching", "boolean").NotNull();
        watches.AddColumn("at", "timestamp with time zone").NotNull();
        watches.Indexes.Add(new IndexDefinition("watches_target") { Columns = ["constitution_id", "kind", "target"] });
        return watches;
    }
}
