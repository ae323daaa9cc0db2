using System.Threading.Channels;

namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// Carries a generation's updates from the engine thread to the reader's channel a few at a time: the first at once
/// (time to first token), the last at once, and in between whatever accumulated when <see cref="Interval"/> has passed
/// since the last hand-over. Every update still arrives, in order and unchanged; only the wake-ups are fewer.
/// </summary>
/// <remarks>
/// Why: each write to a waiting reader wakes a thread-pool thread, which on Linux may preempt the engine thread and
/// then spins for more work before it sleeps. At a token per millisecond that costs the engine's pass a large share of
/// a core on a busy machine (measured: decode several times slower under load). A few milliseconds of grouping is
/// invisible in a chat and cuts the wake-ups to one per interval; a model slower than the interval hands over every
/// token as before. Only the engine thread calls <see cref="Report"/> and <see cref="Complete"/>.
/// </remarks>
internal sealed class UpdateRelay(ChannelWriter<GenerationUpdate> writer, TimeProvider? time = null)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(4);

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly List<GenerationUpdate> _held = [];
    private long? _lastHandOver;

    public void Report(GenerationUpdate update)
    {
        _held.Add(update);
        if (_lastHandOver is not { } last || update.FinishReason is not null || _time.GetElapsedTime(last) >= Interval) HandOver();
    }

    /// <summary>Hands over what is held, then ends the reader's stream (with the failure, if any).</summary>
    public void Complete(Exception? error)
    {
        HandOver();
        writer.TryComplete(error);
    }

    private void HandOver()
    {
        foreach (var update in _held) writer.TryWrite(update);
        _held.Clear();
        _lastHandOver = _time.GetTimestamp();
    }
}
