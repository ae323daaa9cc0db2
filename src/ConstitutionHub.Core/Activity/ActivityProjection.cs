using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Activity;

/// <summary>
/// The activity feed: one row per thing people did to constitutions (created, saved, restored, merged, labelled,
/// renamed, roles and visibility) and per chat started, run by Marten's async daemon; it may lag a moment. Keyed by the event's global
/// sequence, so the daemon's exactly-once progress keeps it free of duplicates. Token batches and share links are
/// not activity anyone browses (and links are private to their creator).
/// </summary>
public sealed class ActivityProjection : EventProjection
{
    public const string ProjectionName = "activity";

    public ActivityProjection()
    {
        Name = ProjectionName;
        SchemaObjects.Add(Table());
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.activity");
        foreach (var (type, _) in ConstitutionStream.Events) IncludeType(type);
        IncludeType<ChatStarted>();
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        var (kind, constitutionId, chatId, text) = e.Data switch
        {
            ConstitutionCreated x => ("created", x.ConstitutionId, (Guid?)null, x.Title),
            RevisionCommitted { RestoredFrom: { } from } x => ("restored", ConstitutionProjection.IdOf(e), null, $"r{x.Number}: restored r{from}"),
            RevisionCommitted { Merged: true } x => ("merged", ConstitutionProjection.IdOf(e), null, $"r{x.Number}: {x.Summary}"),
            RevisionCommitted x => ("saved", ConstitutionProjection.IdOf(e), null, $"r{x.Number}: {x.Summary}"),
            DetailsChanged x => ("details", ConstitutionProjection.IdOf(e), null, x.Title),
            LabelMoved x => ("label", ConstitutionProjection.IdOf(e), null, $"{x.Label} → r{x.Revision}"),
            LabelRemoved x => ("label", ConstitutionProjection.IdOf(e), null, $"{x.Label} removed"),
            VisibilityChanged x => ("visibility", ConstitutionProjection.IdOf(e), null, $"now {Named(x.Visibility)}"),
            EditingRestricted => ("visibility", ConstitutionProjection.IdOf(e), null, "edits restricted to editors"),
            EditingOpened => ("visibility", ConstitutionProjection.IdOf(e), null, "edits open to everyone signed in"),
            MemberRoleGranted x => ("members", ConstitutionProjection.IdOf(e), null, $"{x.PersonName} joined as {Named(x.Role)}"),
            MemberRoleChanged x => ("members", ConstitutionProjection.IdOf(e), null, $"a member is now {Named(x.Role)}"),
            MemberRemoved => ("members", ConstitutionProjection.IdOf(e), null, "a member was removed"),
            MemberInvited x => ("members", ConstitutionProjection.IdOf(e), null, $"invited {x.PersonName} as {Named(x.Role)}"),
            OwnershipTransferred x => ("members", ConstitutionProjection.IdOf(e), null, $"{x.PersonName} is now the owner"),
            JoinRequested x => ("members", ConstitutionProjection.IdOf(e), null, $"asked to join as {Named(x.Role)}"),
            ChatStarted x => ("chat", x.Provenance.ConstitutionId, x.ChatId, x.Title),
            _ => (null!, Guid.Empty, null, ""),
        };
        if (kind is null) return ValueTask.CompletedTask;
        operations.QueueSqlCommand("""
            insert into activity (seq, at, kind, constitution_id, chat_id, actor_id, actor_name, text) values (?, ?, ?, ?, ?, ?, ?, ?)
            on conflict (seq) do nothing
            """, e.Sequence, e.Timestamp, kind, constitutionId, (object?)chatId ?? DBNull.Value, e.ActorId(), e.ActorName(), text);
        return ValueTask.CompletedTask;
    }

    private static string Named(Enum value) => value.ToString().ToLowerInvariant();

    private static Table Table()
    {
        var activity = new Table(HubMarten.Table("activity"));
        activity.AddColumn("seq", "bigint").AsPrimaryKey();
        activity.AddColumn("at", "timestamp with time zone").NotNull();
        activity.AddColumn("kind", "text").NotNull();
        activity.AddColumn("constitution_id", "uuid").NotNull();
        activity.AddColumn("chat_id", "uuid");
        activity.AddColumn("actor_id", "text").NotNull();
        activity.AddColumn("actor_name", "text").NotNull();
        activity.AddColumn("text", "text").NotNull();
        activity.Indexes.Add(new IndexDefinition("activity_constitution") { Columns = ["constitution_id", "seq"] });
        return activity;
    }
}
