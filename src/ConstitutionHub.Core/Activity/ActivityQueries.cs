using Npgsql;

namespace ConstitutionHub.Core.Activity;

public sealed record ActivityRow(long Sequence, DateTimeOffset At, string Kind, Guid ConstitutionId, string Slug, Guid? ChatId,
    string ActorName, string Text);

/// <summary>Reads of the activity feed, filtered to constitutions the viewer may see (as the home page lists them).</summary>
public sealed class ActivityQueries(NpgsqlDataSource dataSource)
{
    /// <summary>Newest first; <paramref name="before"/> is the keyset cursor (a sequence).</summary>
    public async Task<IReadOnlyList<ActivityRow>> RecentAsync(string? viewerId, Guid? constitutionId = null, long? before = null, int limit = 50,
        CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"""
            select a.seq, a.at, a.kind, a.constitution_id, c.slug, a.chat_id, a.actor_name, a.text
            from activity a join constitutions c on c.id = a.constitution_id
            where {Documents.ConstitutionQueries.ListedFor}
              and (@constitution::uuid is null or a.constitution_id = @constitution) and a.seq < @before
            order by a.seq desc limit @limit
            """);
        command.Parameters.AddWithValue("viewer", viewerId ?? "");
        command.Parameters.Add(new NpgsqlParameter<Guid?>("constitution", constitutionId) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.AddWithValue("before", before ?? long.MaxValue);
        command.Parameters.AddWithValue("limit", Math.Clamp(limit, 1, 200));
        var rows = new List<ActivityRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new ActivityRow(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetGuid(3),
                reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetString(6), reader.GetString(7)));
        return rows;
    }
}
