namespace ConstitutionHub.Core.Experiments;

/// <summary>
/// What a run page holds of a run's outputs and failed work, kept current by reading only what was written since its
/// last read (<see cref="ExperimentQueries.RunChangesAsync"/>) and merging it in by key. The first read, and a read
/// after <see cref="Reset"/>, reads everything. Refreshes take turns: the page's timer and a button may ask at once.
/// </summary>
public sealed class RunView(ExperimentQueries queries, Guid experimentId)
{
    private readonly Dictionary<(string Arm, string ItemId, int Sample), OutputRow> outputs = [];
    private readonly Dictionary<(string Kind, string Arm, string ArmB, string ItemId, int Sample), WorkFailure> failures = [];
    private readonly SemaphoreSlim turn = new(1, 1);
    private string? horizon;

    /// <summary>By item, sample and arm.</summary>
    public IReadOnlyList<OutputRow> Outputs { get; private set; } = [];

    /// <summary>By kind, item, sample and arms.</summary>
    public IReadOnlyList<WorkFailure> Failures { get; private set; } = [];

    /// <summary>How many output and work rows the last refresh read (what the database sent, before merging).</summary>
    public int LastRead { get; private set; }

    public async Task RefreshAsync(CancellationToken ct = default)
    {
        await turn.WaitAsync(ct);
        try { Merge(await queries.RunChangesAsync(experimentId, horizon, ct)); }
        finally { turn.Release(); }
    }

    /// <summary>The next refresh reads everything again.</summary>
    public void Reset() => horizon = null;

    internal void Merge(RunChanges changes)
    {
        if (changes.Full)
        {
            outputs.Clear();
            failures.Clear();
        }
        foreach (var o in changes.Outputs) outputs[(o.Arm, o.ItemId, o.Sample)] = o;
        foreach (var w in changes.Work)
        {
            var key = (w.Kind, w.Arm, w.ArmB, w.ItemId, w.Sample);
            if (w.Failure is { } failure) failures[key] = failure;
            else failures.Remove(key);
        }
        // Sorted again only when something came: most refreshes of a long run bring a handful of rows or none.
        if (changes.Full || changes.Outputs.Count > 0)
            Outputs = outputs.Values.OrderBy(o => o.ItemId, StringComparer.Ordinal).ThenBy(o => o.Sample).ThenBy(o => o.Arm, StringComparer.Ordinal).ToList();
        if (changes.Full || changes.Work.Count > 0)
            Failures = failures.Values.OrderBy(f => f.Kind, StringComparer.Ordinal).ThenBy(f => f.ItemId, StringComparer.Ordinal).ThenBy(f => f.Sample)
                .ThenBy(f => f.Arm, StringComparer.Ordinal).ThenBy(f => f.ArmB, StringComparer.Ordinal).ToList();
        LastRead = changes.Outputs.Count + changes.Work.Count;
        // Last, so a merge that threw leaves the horizon where the rows it did not take are read again.
        horizon = changes.Horizon;
    }
}
