using System.Collections.Concurrent;

namespace ConstitutionHub.Web.Infrastructure.Nodes;

/// <summary>
/// What the other nodes last reported, per node and key (a chat's viewers, a reply's queue position), and when: a
/// report not repeated within <see cref="NodeHeartbeat.ForgetAfter"/> no longer counts, so a crashed node's word goes
/// by itself. In memory on purpose: a courtesy between live nodes, not a record.
/// </summary>
public sealed class NodeReports<TKey, TValue>(TimeProvider time, IEqualityComparer<TValue>? comparer = null) where TKey : notnull
{
    private readonly IEqualityComparer<TValue> comparer = comparer ?? EqualityComparer<TValue>.Default;
    private readonly ConcurrentDictionary<(string Node, TKey Key), Report> reports = new();

    /// <summary>Keeps what a node said; true when it differs from what counted before (a heartbeat saying the same
    /// is quiet).</summary>
    public bool Put(string node, TKey key, TValue value)
    {
        var now = time.GetTimestamp();
        var changed = true;
        reports.AddOrUpdate((node, key), _ => new Report(value, now), (_, old) =>
        {
            changed = IsStale(old, now) || !comparer.Equals(old.Value, value);
            return new Report(value, now);
        });
        return changed;
    }

    /// <summary>A node says it has nothing for the key any more; true when it had something that counted.</summary>
    public bool Remove(string node, TKey key) =>
        reports.TryRemove((node, key), out var old) && !IsStale(old, time.GetTimestamp());

    /// <summary>Drops everything a node said; what it had reported.</summary>
    public IReadOnlyList<(TKey Key, TValue Value)> ForgetNode(string node) => ForgetWhere((key, _) => key.Node == node);

    /// <summary>Drops reports not repeated in time; what they said.</summary>
    public IReadOnlyList<(TKey Key, TValue Value)> ForgetSilent()
    {
        var now = time.GetTimestamp();
        return ForgetWhere((_, report) => IsStale(report, now));
    }

    /// <summary>What every node that spoke lately reports for a key.</summary>
    public IEnumerable<(string Node, TValue Value)> Of(TKey key)
    {
        var now = time.GetTimestamp();
        foreach (var ((node, k), report) in reports)
            if (EqualityComparer<TKey>.Default.Equals(k, key) && !IsStale(report, now)) yield return (node, report.Value);
    }

    private List<(TKey Key, TValue Value)> ForgetWhere(Func<(string Node, TKey Key), Report, bool> predicate)
    {
        var forgotten = new List<(TKey, TValue)>();
        foreach (var (key, report) in reports)
            if (predicate(key, report) && reports.TryRemove(new KeyValuePair<(string, TKey), Report>(key, report)))
                forgotten.Add((key.Key, report.Value));
        return forgotten;
    }

    private bool IsStale(Report report, long now) => time.GetElapsedTime(report.Seen, now) > NodeHeartbeat.ForgetAfter;

    private sealed record Report(TValue Value, long Seen);
}
