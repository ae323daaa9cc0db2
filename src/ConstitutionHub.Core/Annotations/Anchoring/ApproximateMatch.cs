namespace ConstitutionHub.Core.Annotations.Anchoring;

/// <summary>Approximate substring matching by edit distance (Sellers' algorithm: the match may start anywhere).</summary>
internal static class ApproximateMatch
{
    /// <summary>The substring of <paramref name="text"/> closest to <paramref name="pattern"/> (fewest insertions,
    /// deletions and substitutions), or null for empty input. Ties go to the shorter, earlier match.</summary>
    public static (int Start, int End, int Distance)? Best(string pattern, ReadOnlySpan<char> text)
    {
        if (pattern.Length == 0 || text.Length == 0) return null;
        var m = pattern.Length;
        // Column j: cost[i] = distance of pattern[..i] to the best substring ending at text position j; start[i] where it began.
        var cost = new int[m + 1];
        var start = new int[m + 1];
        var previousCost = new int[m + 1];
        var previousStart = new int[m + 1];
        for (var i = 0; i <= m; i++)
        {
            previousCost[i] = i;
            previousStart[i] = 0;
        }
        var best = (Start: 0, End: 0, Distance: m);
        for (var j = 1; j <= text.Length; j++)
        {
            cost[0] = 0;
            start[0] = j;
            for (var i = 1; i <= m; i++)
            {
                var substitute = previousCost[i - 1] + (pattern[i - 1] == text[j - 1] ? 0 : 1);
                var skipText = previousCost[i] + 1;
                var skipPattern = cost[i - 1] + 1;
                if (substitute <= skipText && substitute <= skipPattern)
                {
                    cost[i] = substitute;
                    start[i] = previousStart[i - 1];
                }
                else if (skipPattern <= skipText)
                {
                    cost[i] = skipPattern;
                    start[i] = start[i - 1];
                }
                else
                {
                    cost[i] = skipText;
                    start[i] = previousStart[i];
                }
            }
            if (cost[m] < best.Distance) best = (start[m], j, cost[m]);
            (cost, previousCost) = (previousCost, cost);
            (start, previousStart) = (previousStart, start);
        }
        return best.End > best.Start ? best : null;
    }

    /// <summary>Levenshtein distance between two strings.</summary>
    public static int Distance(string a, ReadOnlySpan<char> b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (current, previous) = (previous, current);
        }
        return previous[b.Length];
    }
}
