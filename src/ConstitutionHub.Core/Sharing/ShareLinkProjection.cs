using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Sharing;

/// <summary>The <c>share_links</c> table from the share-link streams, inline: a revoke is in force the moment it commits.</summary>
public sealed class ShareLinkProjection : EventProjection
{
    public const string ProjectionName = "share_links";

    public ShareLinkProjection()
    {
        Name = ProjectionName;
        SchemaObjects.Add(Table());
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.share_links");
        IncludeType<ShareLinkCreated>();
        IncludeType<ShareLinkRevoked>();
        IncludeType<ExperimentShareLinkCreated>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case ShareLinkCreated x:
                operations.QueueSqlCommand("""
                    insert into share_links (id, token_hash, chat_id, mode, snapshot_message_id, hide_system_prompt, expires, created,
                                             created_by_id, created_by_name)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    x.ShareId, x.TokenHash, x.ChatId, x.Mode == ShareMode.Live ? "live" : "snapshot",
                    (object?)x.SnapshotMessageId ?? DBNull.Value, x.HideSystemPrompt, (object?)x.Expires ?? DBNull.Value, e.Timestamp,
                    e.ActorId(), e.ActorName());
                break;
            case ExperimentShareLinkCreated x:
                operations.QueueSqlCommand("""
                    insert into share_links (id, token_hash, target, experiment_id, mode, snapshot_at, show_prompts, hide_system_prompt, expires,
                                             created, created_by_id, created_by_name)
                    values (?, ?, 'experiment', ?, ?, ?, ?, false, ?, ?, ?, ?)
                    """,
                    x.ShareId, x.TokenHash, x.ExperimentId, x.Mode == ShareMode.Live ? "live" : "snapshot", (object?)x.SnapshotAt ?? DBNull.Value,
                    x.ShowPrompts, (object?)x.Expires ?? DBNull.Value, e.Timestamp, e.ActorId(), e.ActorName());
                break;
            case ShareLinkRevoked x:
                operations.QueueSqlCommand(
                    "update share_links set revoked = ?, revoked_by_id = ?, revoked_by_name = ? where id = ? and revoked is null",
                    e.Timestamp, e.ActorId(), e.ActorName(), x.ShareId);
                break;
        }
        return ValueTask.CompletedTask;
    }

    private static Table Table()
    {
        var links = new Table(HubMarten.Table("share_links"));
        links.AddColumn("id", "uuid").AsPrimaryKey();
        links.AddColumn("token_hash", "bytea").NotNull();
        // What the link opens: a chat (chat_id) or an experiment (experiment_id). No foreign keys: each projection's
        // tables rebuild on their own.
        links.AddColumn("target", "text").NotNull().DefaultValueByExpression("'chat'");
        links.AddColumn("chat_id", "uuid");
        links.AddColumn("experiment_id", "uuid");
        links.AddColumn("mode", "text").NotNull();
        links.AddColumn("snapshot_message_id", "uuid");
        links.AddColumn("snapshot_at", "timestamp with time zone");
        links.AddColumn("hide_system_prompt", "boolean").NotNull();
        links.AddColumn("show_prompts", "boolean").NotNull().DefaultValueByExpression("false");
        links.AddColumn("expires", "timestamp with time zone");
        links.AddColumn("created", "timestamp with time zone").NotNull();
        links.AddColumn("created_by_id", "text").NotNull();
        links.AddColumn("created_by_name", "text").NotNull();
        links.AddColumn("revoked", "timestamp with time zone");
        links.AddColumn("revoked_by_id", "text");
        links.AddColumn("revoked_by_name", "text");
        links.Indexes.Add(new IndexDefinition("share_links_token_hash_key") { Columns = ["token_hash"], IsUnique = true });
        links.Indexes.Add(new IndexDefinition("share_links_created_by") { Columns = ["created_by_id", "created"] });
        links.Indexes.Add(new IndexDefinition("share_links_chat") { Columns = ["chat_id"] });
        links.Indexes.Add(new IndexDefinition("share_links_experiment") { Columns = ["experiment_id"] });
        return links;
    }
}
