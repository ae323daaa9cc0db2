using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Documents;

/// <summary>
/// Per-constitution statistics (revisions, merges, restores, label moves, chats, replies and tokens generated), run
/// by Marten's async daemon across the constitution and chat streams. A chat event finds its constitution through
/// the inline chats table, which is always ahead of the daemon.
/// </summary>
public sealed class ConstitutionStatsProjection : EventProjection
{
    public const string ProjectionName = "constitution_stats";

    public ConstitutionStatsProjection()
    {
        Name = ProjectionName;
        SchemaObjects.Add(Table());
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.constitution_stats");
        IncludeType<ConstitutionCreated>();
        IncludeType<RevisionCommitted>();
        IncludeType<LabelMoved>();
        IncludeType<ChatStarted>();
        IncludeType<ReplyCompleted>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case ConstitutionCreated x:
                operations.QueueSqlCommand("insert into constitution_stats (constitution_id, last_activity) values (?, ?) on conflict do nothing",
                    x.ConstitutionId, e.Timestamp);
                break;
            case RevisionCommitted x:
                Count(operations, e, ConstitutionProjection.IdOf(e),
                    $"revisions = revisions + 1{(x.Merged ? ", merges = merges + 1" : "")}{(x.RestoredFrom is null ? "" : ", restores = restores + 1")}");
                break;
            case LabelMoved:
                Count(operations, e, ConstitutionProjection.IdOf(e), "label_moves = label_moves + 1");
                break;
            case ChatStarted x:
                Count(operations, e, x.Provenance.ConstitutionId, "chats = chats + 1");
                break;
            case ReplyCompleted x:
                operations.QueueSqlCommand("""
                    update constitution_stats set replies = replies + 1, completion_tokens = completion_tokens + ?, last_activity = greatest(last_activity, ?)
                    where constitution_id = (select constitution_id from chats where id = ?)
                    """, (long)x.CompletionTokens, e.Timestamp, ChatProjection.IdOf(e));
                break;
        }
        return ValueTask.CompletedTask;
    }

    private static void Count(IDocumentOperations operations, IEvent e, Guid constitutionId, string sets) => operations.QueueSqlCommand(
        $"update constitution_stats set {sets}, last_activity = greatest(last_activity, ?) where constitution_id = ?", e.Timestamp, constitutionId);

    private static Table Table()
    {
        var stats = new Table(HubMarten.Table("constitution_stats"));
        stats.AddColumn("constitution_id", "uuid").AsPrimaryKey();
        foreach (var counter in new[] { "revisions", "merges", "restores", "label_moves", "chats", "replies" })
            stats.AddColumn(counter, "integer").NotNull().DefaultValueByExpression("0");
        stats.AddColumn("completion_tokens", "bigint").NotNull().DefaultValueByExpression("0");
        stats.AddColumn("last_activity", "timestamp with time zone").NotNull();
        return stats;
    }
}
