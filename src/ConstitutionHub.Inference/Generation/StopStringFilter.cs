namespace ConstitutionHub.Inference.Generation;

/// <summary>
/// Cuts the reply at the first stop string. Text that could be the start of a stop string is held back until the
/// next delta settles it, so no part of a stop string ever reaches the caller, even when it arrives split across
/// tokens.
/// </summary>
internal sealed class StopStringFilter(IReadOnlyList<string> stops)
{
    private string pending = "";

    public bool Stopped { get; private set; }

    /// <summary>Adds a delta; returns the text that is now safe to emit. After a stop, returns "" forever.</summary>
    public string Push(string delta)
    {
        if (Stopped) return "";
        if (stops.Count == 0) return delta;
        pending += delta;
        int cut = -1;
        foreach (string stop in stops)
        {
            int at = pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0)
        {
            Stopped = true;
            string before = pending[..cut];
            pending = "";
            return before;
        }
        int hold = LongestPartialMatch(pending);
        string emit = pending[..(pending.Length - hold)];
        pending = pending[(pending.Length - hold)..];
        return emit;
    }

    /// <summary>The text held back, when generation ends without a stop string.</summary>
    public string Flush()
    {
        string rest = Stopped ? "" : pending;
        pending = "";
        return rest;
    }

    /// <summary>Length of the longest tail of <paramref name="text"/> that begins some stop string.</summary>
    private int LongestPartialMatch(string text)
    {
        int best = 0;
        foreach (string stop in stops)
        {
            for (int n = Math.Min(stop.Length - 1, text.Length); n > best; n--)
            {
                if (text.AsSpan(text.Length - n).SequenceEqual(stop.AsSpan(0, n)))
                {
                    best = n;
                    break;
                }
            }
        }
        return best;
    }
}
