using System.Diagnostics;

namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// Where a decode pass spends its time, phase by phase, summed over passes (the benchmark's <c>--profile</c>): filling
/// and binding the inputs, the runtime's own run, taking the outputs (cache handles, logits), and the sequences choosing
/// their tokens and reporting them. Off unless a benchmark turns it on; then each phase costs one timestamp.
/// </summary>
internal sealed class PassProfile
{
    public enum Phase { Bind, Run, Outputs, Accept }

    private readonly long[] _ticks = new long[4];
    private readonly Dictionary<int, (long Passes, long Ticks)> _byRows = [];
    private long _passStart;
    private long _mark;

    public long Passes { get; private set; }

    public long Rows { get; private set; }

    /// <summary>Prefill passes (rows joining the batch), with the cache reshapes they cause.</summary>
    public long Prefills { get; private set; }

    public long PrefillTicks { get; private set; }

    public void Start() => _passStart = _mark = Stopwatch.GetTimestamp();

    /// <summary>Ends <paramref name="phase"/> now and starts the next one.</summary>
    public void End(Phase phase)
    {
        long now = Stopwatch.GetTimestamp();
        _ticks[(int)phase] += now - _mark;
        _mark = now;
    }

    /// <summary>Ends a decode pass of <paramref name="rows"/> rows.</summary>
    public void Count(int rows)
    {
        Passes++;
        Rows += rows;
        var (passes, ticks) = _byRows.GetValueOrDefault(rows);
        _byRows[rows] = (passes + 1, ticks + Stopwatch.GetTimestamp() - _passStart);
    }

    public void Prefilled(long startTimestamp)
    {
        Prefills++;
        PrefillTicks += Stopwatch.GetTimestamp() - startTimestamp;
    }

    /// <summary>Microseconds per decode pass by the number of rows in it (what batching costs per pass).</summary>
    public IReadOnlyDictionary<string, double> PerPassMicrosecondsByRows() =>
        _byRows.OrderBy(kv => kv.Key).ToDictionary(kv => kv.Key.ToString(System.Globalization.CultureInfo.InvariantCulture),
            kv => Math.Round(kv.Value.Ticks * 1e6 / Stopwatch.Frequency / kv.Value.Passes, 1));

    /// <summary>Microseconds per pass of each phase.</summary>
    public IReadOnlyDictionary<string, double> PerPassMicroseconds() =>
        Enum.GetValues<Phase>().ToDictionary(p => p.ToString().ToLowerInvariant(),
            p => Passes == 0 ? 0 : Math.Round(_ticks[(int)p] * 1e6 / Stopwatch.Frequency / Passes, 1));

    public double PrefillMilliseconds => Math.Round(PrefillTicks * 1e3 / Stopwatch.Frequency, 1);
}
