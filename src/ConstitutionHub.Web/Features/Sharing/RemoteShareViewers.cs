using System.Collections.Concurrent;
using System.Diagnostics;
using ConstitutionHub.Web.Features.Chats;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>
/// What the other web nodes last said about their live share viewers: per node and link, a count and when it was
/// heard. A count that is not repeated for <see cref="ChatControl.ForgetAfter"/> no longer counts, so a crashed
/// node's viewers go within seconds. In memory on purpose, like chat presence: a courtesy, not a record.
/// </summary>
public sealed class RemoteShareViewers
{
    private readonly ConcurrentDictionary<(string Node, Guid ShareId), (int Count, long Seen)> counts = new();

    /// <summary>Keeps what a node said; true when the link's fresh total changed (a heartbeat saying the same is quiet).</summary>
    public bool Apply(ShareViewersSignal signal)
    {
        var key = (signal.Node, signal.ShareId);
        var before = Total(signal.ShareId);
        if (signal.Count == 0) counts.TryRemove(key, out _);
        else counts[key] = (signal.Count, Stopwatch.GetTimestamp());
        return Total(signal.ShareId) != before;
    }

    /// <summary>Drops everything a node said; the links whose totals changed.</summary>
    public IReadOnlyList<Guid> ForgetNode(string node)
    {
        var changed = new List<Guid>();
        foreach (var (key, entry) in counts)
            if (key.Node == node && counts.TryRemove(new KeyValuePair<(string, Guid), (int, long)>(key, entry))) changed.Add(key.ShareId);
        return changed.Distinct().ToList();
    }

    /// <summary>Drops counts not repeated in time; the links whose totals changed.</summary>
    public IReadOnlyList<Guid> ForgetSilent()
    {
        var now = Stopwatch.GetTimestamp();
        var changed = new List<Guid>();
        foreach (var (key, entry) in counts)
        {
            if (!IsStale(entry.Seen, now)) continue;
            if (counts.TryRemove(new KeyValuePair<(string, Guid), (int, long)>(key, entry))) changed.Add(key.ShareId);
        }
        return changed.Distinct().ToList();
    }

    /// <summary>Viewers of a link on every other node that has spoken lately.</summary>
    public int Total(Guid shareId)
    {
        var now = Stopwatch.GetTimestamp();
        var total = 0;
        foreach (var ((_, id), entry) in counts)
            if (id == shareId && !IsStale(entry.Seen, now)) total += entry.Count;
        return total;
    }

    private static bool IsStale(long seen, long now) => Stopwatch.GetElapsedTime(seen, now) > ChatControl.ForgetAfter;
}
