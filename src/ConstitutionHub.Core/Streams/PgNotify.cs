using Npgsql;

namespace ConstitutionHub.Core.Streams;

/// <summary>
/// The one way this app sends PostgreSQL notifications: the event store's commit notices and every message one web
/// node sends the others go through here, as <c>pg_notify</c> calls batched in one round trip.
/// </summary>
public static class PgNotify
{
    /// <summary>PostgreSQL refuses a payload of 8000 bytes or more.</summary>
    public const int MaxPayloadBytes = 7999;

    /// <summary>Sends each notification, in order, in one round trip and outside any caller's transaction: a NOTIFY
    /// inside a transaction takes a database-wide lock until commit.</summary>
    public static async Task SendAsync(NpgsqlDataSource dataSource, IReadOnlyList<(string Channel, string Payload)> notifications,
        CancellationToken ct = default)
    {
        if (notifications.Count == 0) return;
        await using var batch = dataSource.CreateBatch();
        foreach (var (channel, payload) in notifications)
        {
            var command = new NpgsqlBatchCommand("select pg_notify($1, $2)");
            command.Parameters.Add(new NpgsqlParameter { Value = channel });
            command.Parameters.Add(new NpgsqlParameter { Value = payload });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(ct);
    }
}
