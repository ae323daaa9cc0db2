using Marten;

namespace ConstitutionHub.Core.Streams;

/// <summary>How far one async projection is behind the event log.</summary>
/// <param name="Lag">Events committed and safe to read (below the high-water mark) that it has not applied yet.</param>
public sealed record ProjectionLag(string Shard, long Sequence, long Lag);

/// <param name="HighWaterMark">The daemon's high-water mark: every event up to it is committed, with no gap below.</param>
public sealed record DaemonHealth(long Events, long Streams, long LastSequence, long HighWaterMark, IReadOnlyList<ProjectionLag> Projections)
{
    public long MaxLag => Projections.Count == 0 ? 0 : Projections.Max(p => p.Lag);
}

/// <summary>The async daemon's progress as Marten records it (<c>mt_event_progression</c>), for the health page.</summary>
public sealed class ProjectionHealth(IDocumentStore store)
{
    private const string HighWaterMarkShard = "HighWaterMark";

    public async Task<DaemonHealth> ReadAsync(CancellationToken ct = default)
    {
        var statistics = await store.Advanced.FetchEventStoreStatistics(token: ct);
        var progress = await store.Advanced.AllProjectionProgress(token: ct);
        var highWater = progress.FirstOrDefault(p => p.ShardName == HighWaterMarkShard)?.Sequence ?? 0;
        // A projection the daemon has not started yet has no row: it is behind by everything.
        var lags = HubMarten.AsyncProjections.Select(name =>
        {
            var sequence = progress.Where(p => p.ShardName == name || p.ShardName.StartsWith(name + ":", StringComparison.Ordinal))
                .Select(p => p.Sequence).DefaultIfEmpty(0).Min();
            return new ProjectionLag(name, sequence, Math.Max(0, Math.Max(highWater, statistics.EventSequenceNumber) - sequence));
        }).ToList();
        return new DaemonHealth(statistics.EventCount, statistics.StreamCount, statistics.EventSequenceNumber, highWater, lags);
    }
}
