using Npgsql;

namespace ConstitutionHub.Core.Experiments;

/// <summary>
/// One unit of experiment work: a generation (ArmB empty), the judging of a pair of arms' outputs, the rubric score of
/// one output on one section (ArmB holds the section id: the queue's key has one free column, and a score has no
/// second arm), or the critique and revision of one output (ArmB empty).
/// </summary>
/// <param name="Template">For a critique: the prompt document and revision it was asked for with (null: the built-in prompt).</param>
public sealed record WorkItem(Guid ExperimentId, string Kind, string Arm, string ArmB, string ItemId, int Sample, int Attempt,
    (Guid Document, int Revision)? Template = null)
{
    public const string Generate = "generate";
    public const string Judge = "judge";
    public const string Score = "score";
    public const string Critique = "critique";

    /// <summary>The section a score is for.</summary>
    public string Section => Kind == Score ? ArmB : throw new InvalidOperationException($"A {Kind} has no section.");
}

/// <summary>
/// The experiment work queue in PostgreSQL, shared by every node: a node claims a row with <c>FOR UPDATE SKIP LOCKED</c>
/// (competing consumers: two nodes never claim the same row, and neither waits for the other) and holds it under a
/// lease it renews while it works. A node that dies stops renewing; when its lease runs out, any node claims the row
/// again. Times are the database's, so nodes' clocks need not agree. A claim never makes a result twice by itself:
/// results are recorded on streams keyed by the work (see <see cref="ExperimentStream.GenerationId"/>).
/// </summary>
public sealed class WorkQueue(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The next piece of work of a running experiment, leased to <paramref name="node"/>: generations in item order
    /// (so results of all arms for an item arrive together), a judging once both its outputs are recorded, a score or
    /// critique once its output is.
    /// </summary>
    public async Task<WorkItem?> ClaimAsync(string node, TimeSpan lease, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            update experiment_work w set state = 'running', owner = @node, lease_until = now() + @lease, attempts = w.attempts + 1,
                xact = pg_current_xact_id()
            from (
                select q.experiment_id, q.kind, q.arm, q.arm_b, q.item_id, q.sample
                from experiment_work q join experiments e on e.id = q.experiment_id
                where e.status = 'running'
                  and (q.state = 'pending' or (q.state = 'running' and q.lease_until < now()))
                  and (q.kind = 'generate'
                       or (q.kind = 'judge' and (
                            select count(*) from experiment_outputs o
                            where o.experiment_id = q.experiment_id and o.item_id = q.item_id and o.sample = q.sample and o.arm in (q.arm, q.arm_b)) = 2)
                       or (q.kind in ('score', 'critique') and exists (
                            select 1 from experiment_outputs o
                            where o.experiment_id = q.experiment_id and o.item_id = q.item_id and o.sample = q.sample and o.arm = q.arm)))
                -- kind desc: scores, judgings, generations, then critiques (asked for after a run, they wait for none of it).
                order by e.created, q.kind desc, q.sample, q.item_id, q.arm, q.arm_b
                limit 1
                for update of q skip locked
            ) c
            where (w.experiment_id, w.kind, w.arm, w.arm_b, w.item_id, w.sample) = (c.experiment_id, c.kind, c.arm, c.arm_b, c.item_id, c.sample)
            returning w.experiment_id, w.kind, w.arm, w.arm_b, w.item_id, w.sample, w.attempts, w.template_document, w.template_revision
            """);
        command.Parameters.AddWithValue("node", node);
        command.Parameters.AddWithValue("lease", lease);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new WorkItem(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            reader.GetInt32(5), reader.GetInt32(6), reader.IsDBNull(7) ? null : (reader.GetGuid(7), reader.GetInt32(8)));
    }

    /// <summary>
    /// Extends the leases of everything <paramref name="node"/> is working on (its heartbeat). It leaves <c>xact</c> alone:
    /// a lease is not something a run page shows, and marking every held row changed at each beat would make the page
    /// read them again.
    /// </summary>
    public async Task<int> RenewAsync(string node, TimeSpan lease, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "update experiment_work set lease_until = now() + @lease where owner = @node and state = 'running'");
        command.Parameters.AddWithValue("node", node);
        command.Parameters.AddWithValue("lease", lease);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The work's result is recorded (by this node or, after a lease ran out, by another).</summary>
    public async Task CompleteAsync(WorkItem item, CancellationToken ct = default)
    {
        await using var command = Keyed(item,
            "update experiment_work set state = 'done', owner = null, lease_until = null, last_error = null, finished = now(), xact = pg_current_xact_id() where ");
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// The attempt failed: back to pending with the reason, or failed for good after <paramref name="maxAttempts"/>.
    /// Only while <paramref name="node"/> still holds it: a node whose lease was taken over reports nothing.
    /// </summary>
    public async Task FailAsync(WorkItem item, string node, string error, int maxAttempts, CancellationToken ct = default)
    {
        await using var command = Keyed(item, """
            update experiment_work set state = case when attempts >= @max then 'failed' else 'pending' end,
                   owner = null, lease_until = null, last_error = @error, xact = pg_current_xact_id()
            where owner = @node and state = 'running' and
            """);
        command.Parameters.AddWithValue("max", maxAttempts);
        command.Parameters.AddWithValue("error", error);
        command.Parameters.AddWithValue("node", node);
        await command.ExecuteNonQueryAsync(ct);
    }

    private NpgsqlCommand Keyed(WorkItem item, string sql)
    {
        var command = dataSource.CreateCommand(sql +
            " experiment_id = @e and kind = @k and arm = @a and arm_b = @b and item_id = @i and sample = @s");
        command.Parameters.AddWithValue("e", item.ExperimentId);
        command.Parameters.AddWithValue("k", item.Kind);
        command.Parameters.AddWithValue("a", item.Arm);
        command.Parameters.AddWithValue("b", item.ArmB);
        command.Parameters.AddWithValue("i", item.ItemId);
        command.Parameters.AddWithValue("s", item.Sample);
        return command;
    }
}
