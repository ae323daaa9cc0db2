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
        await using var command = dataSource.CreateCommand("""
            select arm, item_id, sample, seed, output, model, prompt_hash, finish_reason, completion_tokens, milliseconds, node, attempt, created
            from experiment_outputs where experiment_id = @id order by item_id, sample, arm
            """);
        command.Parameters.AddWithValue("id", id);
        var rows = new List<OutputRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new OutputRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetString(4),
                reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetInt32(8),
                reader.GetDouble(9), reader.GetString(10), reader.GetInt32(11), reader.GetFieldValue<DateTimeOffset>(12)));
        return rows;
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
            "update experiment_work set state = 'pending', attempts = 0 where experiment_id = @id and state = 'failed'");
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
