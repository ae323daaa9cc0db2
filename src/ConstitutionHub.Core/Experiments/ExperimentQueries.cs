using System.Text.Json;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Core.Experiments;

public sealed record ExperimentRow(Guid Id, string Name, string OwnerId, string OwnerName, string Status, ExperimentCreated Definition,
    DateTimeOffset Created, DateTimeOffset Updated);

/// <summary>A piece of work that failed, with why, and whether it will be tried again.</summary>
public sealed record WorkFailure(string Kind, string Arm, string ArmB, string ItemId, int Sample, int Attempts, string State, string Error);

/// <summary>
/// Where a run stands: work by state, throughput over the last minute, and the time left at that pace (null when
/// nothing was recorded in the last minute, rather than a guess).
/// </summary>
public sealed record ExperimentProgress(string Status, int Total, int Done, int Running, int Pending, int Failed, int Cancelled,
    double PerMinute, TimeSpan? Eta)
{
    public double Fraction => Total == 0 ? 0 : (double)Done / Total;
}

public sealed record OutputRow(string Arm, string ItemId, int Sample, long Seed, string Output, string Model, string PromptHash, string? FinishReason,
    int? CompletionTokens, double Milliseconds, string Node, int Attempt, DateTimeOffset Created);

/// <summary>A piece of work as a run page follows it: a failure while it has an error and is not done.</summary>
public sealed record WorkRow(string Kind, string Arm, string ArmB, string ItemId, int Sample, int Attempts, string State, string? Error)
{
    public WorkFailure? Failure => Error is not null && State != "done" ? new(Kind, Arm, ArmB, ItemId, Sample, Attempts, State, Error) : null;
}

/// <summary>
/// What <see cref="ExperimentQueries.RunChangesAsync"/> read: everything (<paramref name="Full"/>) or the rows written
/// since the horizon it was asked from, and the horizon to ask from next time.
/// </summary>
public sealed record RunChanges(bool Full, IReadOnlyList<OutputRow> Outputs, IReadOnlyList<WorkRow> Work, string Horizon);

public sealed class ExperimentQueries(NpgsqlDataSource dataSource)
{
    public async Task<ExperimentRow?> ExperimentAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select id, name, owner_id, owner_name, status, definition::text, created, updated from experiments where id = @id");
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new ExperimentRow(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
            JsonSerializer.Deserialize<ExperimentCreated>(reader.GetString(5), HubJson.Options)!,
            reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7));
    }

    /// <summary>Recent experiments, newest first.</summary>
    public async Task<IReadOnlyList<ExperimentRow>> ListAsync(int limit = 100, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            "select id, name, owner_id, owner_name, status, definition::text, created, updated from experiments order by created desc limit @limit");
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<ExperimentRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new ExperimentRow(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                JsonSerializer.Deserialize<ExperimentCreated>(reader.GetString(5), HubJson.Options)!,
                reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7)));
        return rows;
    }

    /// <summary>
    /// One short text that changes whenever anything a run page shows of the experiment changes: its status, the count
    /// of outputs, verdicts, scores, critiques and votes (results are recorded once, so counts only grow; a changed vote
    /// moves its time), and its work's states and attempts. One indexed query, so a page can ask every second and
    /// read everything again only when the answer differs. Empty when there is no such experiment.
    /// </summary>
    public async Task<string> ChangeStampAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select concat_ws('/', e.status, e.updated,
                   (select count(*) from experiment_outputs o where o.experiment_id = e.id),
                   (select count(*) from experiment_judgments j where j.experiment_id = e.id),
                   (select count(*) from experiment_scores s where s.experiment_id = e.id),
                   (select count(*) from experiment_critiques c where c.experiment_id = e.id),
                   (select concat_ws(':', count(*), sum(w.attempts), count(*) filter (where w.state = 'running'),
                                     count(*) filter (where w.state = 'done'), count(*) filter (where w.state = 'failed'))
                    from experiment_work w where w.experiment_id = e.id),
                   (select concat_ws(':', count(*), max(v.updated)) from experiment_votes v where v.experiment_id = e.id))
            from experiments e where e.id = @id
            """);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteScalarAsync(ct) as string ?? "";
    }

    public async Task<ExperimentProgress> ProgressAsync(Guid id, string kind = "generate", CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select e.status,
                   count(w.*)::int,
                   count(*) filter (where w.state = 'done')::int,
                   count(*) filter (where w.state = 'running')::int,
                   count(*) filter (where w.state = 'pending')::int,
                   count(*) filter (where w.state = 'failed')::int,
                   count(*) filter (where w.state = 'cancelled')::int,
                   count(*) filter (where w.state = 'done' and w.finished > now() - interval '1 minute')::int,
                   extract(epoch from now() - min(w.finished) filter (where w.finished > now() - interval '1 minute'))::float8
            from experiments e left join experiment_work w on w.experiment_id = e.id and w.kind = @kind
            where e.id = @id group by e.status
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("kind", kind);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) throw new Documents.NotFoundException("No such experiment.");
        var (total, done, running, pending) = (reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        var lastMinute = reader.GetInt32(7);
        // The pace over the window that holds the last minute's results (shorter at the start of a run).
        var window = reader.IsDBNull(8) ? 0 : Math.Max(reader.GetDouble(8), 1);
        var perMinute = lastMinute == 0 ? 0 : lastMinute / window * 60;
        TimeSpan? eta = perMinute > 0 ? TimeSpan.FromMinutes((running + pending) / perMinute) : null;
        return new ExperimentProgress(reader.GetString(0), total, done, running, pending, reader.GetInt32(5), reader.GetInt32(6), perMinute, eta);
    }

    public async Task<IReadOnlyList<OutputRow>> OutputsAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(
            $"select {OutputColumns} from experiment_outputs where experiment_id = @id order by item_id, sample, arm");
        command.Parameters.AddWithValue("id", id);
        var rows = new List<OutputRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows.Add(Output(reader));
        return rows;
    }

    private const string OutputColumns =
        "arm, item_id, sample, seed, output, model, prompt_hash, finish_reason, completion_tokens, milliseconds, node, attempt, created";

    private static OutputRow Output(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetString(4),
            reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetInt32(8),
            reader.GetDouble(9), reader.GetString(10), reader.GetInt32(11), reader.GetFieldValue<DateTimeOffset>(12));

    /// <summary>
    /// The outputs and work of a run written since <paramref name="since"/> (a <see cref="RunChanges.Horizon"/> of an
    /// earlier read), or, when null, all outputs and the failed work: what <see cref="RunView"/> merges into what it holds.
    /// A plain "later than the last row seen" would miss a row whose transaction began before the last read and
    /// committed after it, so each row carries the id of the transaction that wrote it, and a read takes the oldest
    /// transaction still running (the snapshot's xmin): every row written by an older one is already visible to it, and
    /// the next read asks for rows of that transaction or newer. Rows of transactions that were in flight are read
    /// twice, which is harmless: the merge replaces by key.
    /// </summary>
    public async Task<RunChanges> RunChangesAsync(Guid id, string? since, CancellationToken ct = default)
    {
        var changed = since is null ? "" : "and xact >= @since::xid8";
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                // First: each statement takes its own snapshot, so the horizon is taken no later than the rows are read,
                // and whatever is older than it is in what follows.
                new NpgsqlBatchCommand("select pg_snapshot_xmin(pg_current_snapshot())::text"),
                new NpgsqlBatchCommand($"""
                    select {OutputColumns} from experiment_outputs where experiment_id = @id {changed}
                    """),
                // A full read needs only failed work; a read of changes needs every changed row, to drop those no longer failing.
                new NpgsqlBatchCommand($"""
                    select kind, arm, arm_b, item_id, sample, attempts, state, last_error from experiment_work
                    where experiment_id = @id {(since is null ? "and last_error is not null and state <> 'done'" : changed)}
                    """),
            },
        };
        for (var i = 1; i < batch.BatchCommands.Count; i++)
        {
            batch.BatchCommands[i].Parameters.AddWithValue("id", id);
            if (since is not null) batch.BatchCommands[i].Parameters.AddWithValue("since", since);
        }
        await using var reader = await batch.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var horizon = reader.GetString(0);
        await reader.NextResultAsync(ct);
        var outputs = new List<OutputRow>();
        while (await reader.ReadAsync(ct)) outputs.Add(Output(reader));
        await reader.NextResultAsync(ct);
        var work = new List<WorkRow>();
        while (await reader.ReadAsync(ct))
            work.Add(new WorkRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.GetInt32(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        return new RunChanges(since is null, outputs, work, horizon);
    }

    public async Task<IReadOnlyList<WorkFailure>> FailuresAsync(Guid id, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("""
            select kind, arm, arm_b, item_id, sample, attempts, state, last_error from experiment_work
            where experiment_id = @id and last_error is not null and state <> 'done' order by kind, item_id, sample, arm, arm_b
            """);
        command.Parameters.AddWithValue("id", id);
        var rows = new List<WorkFailure>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new WorkFailure(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.GetInt32(5), reader.GetString(6), reader.GetString(7)));
        return rows;
    }

    internal async Task<int> RetryFailedAsync(Guid id, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(
            "update experiment_work set state = 'pending', attempts = 0, xact = pg_current_xact_id() where experiment_id = @id and state = 'failed'");
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<string?> ConstitutionSlugAsync(Guid constitutionId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand("select slug from constitutions where id = @id");
        command.Parameters.AddWithValue("id", constitutionId);
        return await command.ExecuteScalarAsync(ct) as string;
    }
}
