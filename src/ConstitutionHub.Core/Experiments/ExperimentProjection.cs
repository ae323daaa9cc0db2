using System.Text.Json;
using ConstitutionHub.Core.Streams;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Weasel.Postgresql.Tables;

namespace ConstitutionHub.Core.Experiments;

/// <summary>
/// The experiment tables, inline (a run page reads them right after a write): <c>experiments</c> (definition and
/// status), <c>experiment_outputs</c> (one row per recorded generation), the judge's <c>experiment_judgments</c>,
/// <c>experiment_scores</c> (rubric) and <c>experiment_critiques</c>, and the work queue <c>experiment_work</c>,
/// whose rows are made in the same transaction as the experiment, so an experiment never exists without its work.
/// The queue is operational state (leases, attempts), not history: a rebuild keeps it, and re-seeding skips rows
/// that exist.
/// </summary>
public sealed class ExperimentProjection : EventProjection
{
    public const string ProjectionName = "experiments";

    public ExperimentProjection()
    {
        Name = ProjectionName;
        SchemaObjects.Add(Experiments());
        SchemaObjects.Add(Outputs());
        SchemaObjects.Add(Work());
        SchemaObjects.Add(Judgments());
        SchemaObjects.Add(Scores());
        SchemaObjects.Add(Critiques());
        SchemaObjects.Add(Votes());
        SchemaObjects.Add(StudyLinks());
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.experiment_study_links");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.experiment_votes");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.experiment_judgments");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.experiment_scores");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.experiment_critiques");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.experiment_outputs");
        Options.DeleteDataInTableOnTeardown($"{HubMarten.Schema}.experiments");
        foreach (var (type, _) in ExperimentStream.Events.Concat(JudgeStream.Events).Concat(HumanVoteStream.Events)) IncludeType(type);
    }

    public override ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case ExperimentCreated x:
                operations.QueueSqlCommand("""
                    insert into experiments (id, name, owner_id, owner_name, prompt_set_id, prompt_set_version, samples, definition, status, created, updated)
                    values (?, ?, ?, ?, ?, ?, ?, ?::jsonb, 'running', ?, ?)
                    """, x.Id, x.Name, e.ActorId(), e.ActorName(), x.PromptSetId, x.PromptSetVersion, x.Samples,
                    JsonSerializer.Serialize(x, HubJson.Options), e.Timestamp, e.Timestamp);
                SeedWork(operations, x);
                break;
            case ExperimentPaused x: Status(operations, x.Id, "paused", e); break;
            case ExperimentResumed x: Status(operations, x.Id, "running", e); break;
            case ExperimentCancelled x:
                Status(operations, x.Id, "cancelled", e);
                operations.QueueSqlCommand(
                    "update experiment_work set state = 'cancelled', xact = pg_current_xact_id() where experiment_id = ? and state in ('pending', 'running')",
                    x.Id);
                break;
            case GenerationRecorded x:
                operations.QueueSqlCommand("""
                    insert into experiment_outputs (experiment_id, arm, item_id, sample, seed, output, model, prompt_hash, finish_reason,
                                                    completion_tokens, milliseconds, node, attempt, created)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, x.ExperimentId, x.Arm, x.ItemId, x.Sample, x.Seed, x.Output, x.Model, x.PromptHash, (object?)x.FinishReason ?? DBNull.Value,
                    (object?)x.CompletionTokens ?? DBNull.Value, x.Milliseconds, x.Node, x.Attempt, e.Timestamp);
                break;
            case JudgmentRecorded x:
                operations.QueueSqlCommand("""
                    insert into experiment_judgments (experiment_id, arm_a, arm_b, item_id, sample, first_order, second_order, verdict, rationale,
                                                      sections, judge_model, template, template_revision, node, created)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?)
                    """, x.ExperimentId, x.ArmA, x.ArmB, x.ItemId, x.Sample, x.FirstOrder, x.SecondOrder, x.Verdict, x.Rationale,
                    JsonSerializer.Serialize(x.Sections, HubJson.Options), x.JudgeModel, x.Template, x.TemplateRevision, x.Node, e.Timestamp);
                break;
            case CritiquesRequested x:
                operations.QueueSqlCommand("""
                    insert into experiment_work (experiment_id, kind, arm, arm_b, item_id, sample, template_document, template_revision)
                    select ?, 'critique', a, '', i, s, ?, ?
                    from unnest(?::text[]) a cross join unnest(?::text[]) i cross join generate_series(0, ? - 1) s
                    on conflict do nothing
                    """, x.Id, (object?)x.PromptDocumentId ?? DBNull.Value, (object?)x.PromptRevision ?? DBNull.Value, x.Arms.ToArray(), x.ItemIds.ToArray(),
                    x.Samples);
                break;
            case ScoreRecorded x:
                operations.QueueSqlCommand("""
                    insert into experiment_scores (experiment_id, arm, item_id, sample, section_id, score, rationale, judge_model, template,
                                                   template_revision, node, created)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, x.ExperimentId, x.Arm, x.ItemId, x.Sample, x.SectionId, x.Score, x.Rationale, x.JudgeModel, x.Template, x.TemplateRevision,
                    x.Node, e.Timestamp);
                break;
            case CritiqueRecorded x:
                operations.QueueSqlCommand("""
                    insert into experiment_critiques (experiment_id, arm, item_id, sample, critique, cited_sections, revision, judge_model, template,
                                                      template_revision, node, created)
                    values (?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)
                    """, x.ExperimentId, x.Arm, x.ItemId, x.Sample, x.Critique, JsonSerializer.Serialize(x.CitedSections, HubJson.Options), x.Revision,
                    x.JudgeModel, x.Template, x.TemplateRevision, x.Node, e.Timestamp);
                break;
            case HumanVoteRecorded x:
                // A change of mind replaces the row; how often the voter changed it is kept.
                operations.QueueSqlCommand("""
                    insert into experiment_votes (experiment_id, voter, arm_a, arm_b, item_id, sample, left_arm, choice, verdict, reason,
                                                  study_link_id, changes, created, updated)
                    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                    on conflict (experiment_id, voter, arm_a, arm_b, item_id, sample) do update
                    set left_arm = excluded.left_arm, choice = excluded.choice, verdict = excluded.verdict, reason = excluded.reason,
                        changes = experiment_votes.changes + 1, updated = excluded.updated
                    """, x.ExperimentId, x.Voter, x.ArmA, x.ArmB, x.ItemId, x.Sample, x.Left, x.Choice, x.Verdict, (object?)x.Reason ?? DBNull.Value,
                    (object?)x.StudyLinkId ?? DBNull.Value, e.Timestamp, e.Timestamp);
                break;
            case StudyLinkCreated x:
                operations.QueueSqlCommand("""
                    insert into experiment_study_links (id, token_hash, experiment_id, expires, created, created_by_id)
                    values (?, ?, ?, ?, ?, ?)
                    """, x.LinkId, x.TokenHash, x.ExperimentId, (object?)x.Expires ?? DBNull.Value, e.Timestamp, e.ActorId());
                break;
            case StudyLinkRevoked x:
                operations.QueueSqlCommand("update experiment_study_links set revoked = ? where id = ? and revoked is null", e.Timestamp, x.LinkId);
                break;
        }
        return ValueTask.CompletedTask;
    }

    private static void Status(IDocumentOperations operations, Guid id, string status, IEvent e) =>
        // A cancelled experiment stays cancelled.
        operations.QueueSqlCommand("update experiments set status = ?, updated = ? where id = ? and status <> 'cancelled'", status, e.Timestamp, id);

    /// <summary>One generation per arm, item and sample; with a judge, one judging per pair of arms, item and sample; with a
    /// rubric, one score per arm, section, item and sample.</summary>
    private static void SeedWork(IDocumentOperations operations, ExperimentCreated x)
    {
        var arms = x.Arms.Select(a => a.Letter).ToArray();
        operations.QueueSqlCommand("""
            insert into experiment_work (experiment_id, kind, arm, arm_b, item_id, sample)
            select ?, 'generate', a, '', i, s from unnest(?::text[]) a cross join unnest(?::text[]) i cross join generate_series(0, ? - 1) s
            on conflict do nothing
            """, x.Id, arms, x.ItemIds.ToArray(), x.Samples);
        if (x.Rubric is { } rubric)
            operations.QueueSqlCommand("""
                insert into experiment_work (experiment_id, kind, arm, arm_b, item_id, sample)
                select ?, 'score', a, r, i, s from unnest(?::text[]) a cross join unnest(?::text[]) r cross join unnest(?::text[]) i
                    cross join generate_series(0, ? - 1) s
                on conflict do nothing
                """, x.Id, arms, rubric.Sections.Select(r => r.Id).ToArray(), x.ItemIds.ToArray(), x.Samples);
        if (x.Judge is null) return;
        var pairs = arms.SelectMany((a, i) => arms.Skip(i + 1).Select(b => (a, b))).ToArray();
        operations.QueueSqlCommand("""
            insert into experiment_work (experiment_id, kind, arm, arm_b, item_id, sample)
            select ?, 'judge', p.a, p.b, i, s from unnest(?::text[], ?::text[]) p(a, b) cross join unnest(?::text[]) i cross join generate_series(0, ? - 1) s
            on conflict do nothing
            """, x.Id, pairs.Select(p => p.a).ToArray(), pairs.Select(p => p.b).ToArray(), x.ItemIds.ToArray(), x.Samples);
    }

    private static Table Experiments()
    {
        var table = new Table(HubMarten.Table("experiments"));
        table.AddColumn("id", "uuid").AsPrimaryKey();
        table.AddColumn("name", "text").NotNull();
        table.AddColumn("owner_id", "text").NotNull();
        table.AddColumn("owner_name", "text").NotNull();
        table.AddColumn("prompt_set_id", "uuid").NotNull();
        table.AddColumn("prompt_set_version", "integer").NotNull();
        table.AddColumn("samples", "integer").NotNull();
        table.AddColumn("definition", "jsonb").NotNull();
        table.AddColumn("status", "text").NotNull();
        table.AddColumn("created", "timestamp with time zone").NotNull();
        table.AddColumn("updated", "timestamp with time zone").NotNull();
        return table;
    }

    private static Table Outputs()
    {
        var table = new Table(HubMarten.Table("experiment_outputs"));
        table.AddColumn("experiment_id", "uuid").AsPrimaryKey();
        table.AddColumn("arm", "text").AsPrimaryKey();
        table.AddColumn("item_id", "text").AsPrimaryKey();
        table.AddColumn("sample", "integer").AsPrimaryKey();
        table.AddColumn("seed", "bigint").NotNull();
        table.AddColumn("output", "text").NotNull();
        table.AddColumn("model", "text").NotNull();
        table.AddColumn("prompt_hash", "text").NotNull();
        table.AddColumn("finish_reason", "text");
        table.AddColumn("completion_tokens", "integer");
        table.AddColumn("milliseconds", "double precision").NotNull();
        table.AddColumn("node", "text").NotNull();
        table.AddColumn("attempt", "integer").NotNull();
        table.AddColumn("created", "timestamp with time zone").NotNull();
        WrittenBy(table, "experiment_outputs_changes");
        return table;
    }

    /// <summary>
    /// The id of the transaction that last wrote a row (<c>xact</c>), so a reader can ask for what changed since its last
    /// read without missing a row committed late (<see cref="ExperimentQueries.RunChangesAsync"/>). Inserts take it from
    /// the default; every update of a row a run page shows sets it again.
    /// </summary>
    private static void WrittenBy(Table table, string index)
    {
        table.AddColumn("xact", "xid8").NotNull().DefaultValueByExpression("pg_current_xact_id()");
        table.Indexes.Add(new IndexDefinition(index) { Columns = ["experiment_id", "xact"] });
    }

    private static Table Judgments()
    {
        var table = new Table(HubMarten.Table("experiment_judgments"));
        table.AddColumn("experiment_id", "uuid").AsPrimaryKey();
        table.AddColumn("arm_a", "text").AsPrimaryKey();
        table.AddColumn("arm_b", "text").AsPrimaryKey();
        table.AddColumn("item_id", "text").AsPrimaryKey();
        table.AddColumn("sample", "integer").AsPrimaryKey();
        table.AddColumn("first_order", "text").NotNull();
        table.AddColumn("second_order", "text").NotNull();
        table.AddColumn("verdict", "text").NotNull();
        table.AddColumn("rationale", "text").NotNull();
        table.AddColumn("sections", "jsonb").NotNull();
        table.AddColumn("judge_model", "text").NotNull();
        table.AddColumn("template", "text").NotNull();
        table.AddColumn("template_revision", "integer").NotNull();
        table.AddColumn("node", "text").NotNull();
        table.AddColumn("created", "timestamp with time zone").NotNull();
        return table;
    }

    private static Table Scores()
    {
        var table = new Table(HubMarten.Table("experiment_scores"));
        table.AddColumn("experiment_id", "uuid").AsPrimaryKey();
        table.AddColumn("arm", "text").AsPrimaryKey();
        table.AddColumn("item_id", "text").AsPrimaryKey();
        table.AddColumn("sample", "integer").AsPrimaryKey();
        table.AddColumn("section_id", "text").AsPrimaryKey();
        table.AddColumn("score", "integer").NotNull();
        table.AddColumn("rationale", "text").NotNull();
        table.AddColumn("judge_model", "text").NotNull();
        table.AddColumn("template", "text").NotNull();
        table.AddColumn("template_revision", "integer").NotNull();
        table.AddColumn("node", "text").NotNull();
        table.AddColumn("created", "timestamp with time zone").NotNull();
        return table;
    }

    private static Table Critiques()
    {
        var table = new Table(HubMarten.Table("experiment_critiques"));
        table.AddColumn("experiment_id", "uuid").AsPrimaryKey();
        table.AddColumn("arm", "text").AsPrimaryKey();
        table.AddColumn("item_id", "text").AsPrimaryKey();
        table.AddColumn("sample", "integer").AsPrimaryKey();
        table.AddColumn("critique", "text").NotNull();
        table.AddColumn("cited_sections", "jsonb").NotNull();
        table.AddColumn("revision", "text").NotNull();
        table.AddColumn("judge_model", "text").NotNull();
        table.AddColumn("template", "text").NotNull();
        table.AddColumn("template_revision", "integer").NotNull();
        table.AddColumn("node", "text").NotNull();
        table.AddColumn("created", "timestamp with time zone").NotNull();
        return table;
    }

    private static Table Votes()
    {
        var table = new Table(HubMarten.Table("experiment_votes"));
        table.AddColumn("experiment_id", "uuid").AsPrimaryKey();
        table.AddColumn("voter", "text").AsPrimaryKey();
        table.AddColumn("arm_a", "text").AsPrimaryKey();
        table.AddColumn("arm_b", "text").AsPrimaryKey();
        table.AddColumn("item_id", "text").AsPrimaryKey();
        table.AddColumn("sample", "integer").AsPrimaryKey();
        table.AddColumn("left_arm", "text").NotNull();
        table.AddColumn("choice", "text").NotNull();
        table.AddColumn("verdict", "text").NotNull();
        table.AddColumn("reason", "text");
        table.AddColumn("study_link_id", "uuid");
        table.AddColumn("changes", "integer").NotNull();
        table.AddColumn("created", "timestamp with time zone").NotNull();
        table.AddColumn("updated", "timestamp with time zone").NotNull();
        return table;
    }

    private static Table StudyLinks()
    {
        var table = new Table(HubMarten.Table("experiment_study_links"));
        table.AddColumn("id", "uuid").AsPrimaryKey();
        table.AddColumn("token_hash", "bytea").NotNull();
        table.AddColumn("experiment_id", "uuid").NotNull();
        table.AddColumn("expires", "timestamp with time zone");
        table.AddColumn("created", "timestamp with time zone").NotNull();
        table.AddColumn("created_by_id", "text").NotNull();
        table.AddColumn("revoked", "timestamp with time zone");
        table.Indexes.Add(new IndexDefinition("experiment_study_links_token_hash_key") { Columns = ["token_hash"], IsUnique = true });
        table.Indexes.Add(new IndexDefinition("experiment_study_links_experiment") { Columns = ["experiment_id"] });
        return table;
    }

    private static Table Work()
    {
        var table = new Table(HubMarten.Table("experiment_work"));
        table.AddColumn("experiment_id", "uuid").AsPrimaryKey();
        table.AddColumn("kind", "text").AsPrimaryKey();
        table.AddColumn("arm", "text").AsPrimaryKey();
        // The second arm of a judging, the section of a score; '' for a generation or a critique.
        table.AddColumn("arm_b", "text").AsPrimaryKey();
        table.AddColumn("item_id", "text").AsPrimaryKey();
        table.AddColumn("sample", "integer").AsPrimaryKey();
        // pending -> running (leased by a node) -> done; back to pending after a failure, failed after the last attempt.
        table.AddColumn("state", "text").NotNull().DefaultValueByString("pending");
        table.AddColumn("attempts", "integer").NotNull().DefaultValue(0);
        table.AddColumn("owner", "text");
        table.AddColumn("lease_until", "timestamp with time zone");
        table.AddColumn("last_error", "text");
        table.AddColumn("finished", "timestamp with time zone");
        // A critique's prompt document and revision (null: the built-in prompt), from the request that asked for it.
        table.AddColumn("template_document", "uuid");
        table.AddColumn("template_revision", "integer");
        table.Indexes.Add(new IndexDefinition("experiment_work_claim") { Columns = ["state", "experiment_id"] });
        WrittenBy(table, "experiment_work_changes");
        return table;
    }
}
