using System.Text;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>A run of merged lines, or a place where both sides changed the same base lines differently.</summary>
internal sealed record Diff3Chunk(IReadOnlyList<string> Merged, IReadOnlyList<string>? Base = null,
    IReadOnlyList<string>? Mine = null, IReadOnlyList<string>? Theirs = null)
{
    public bool IsConflict => Mine is not null;
}

/// <summary>
/// Line-level three-way merge (diff3). Each side's changes against the base are hunks over base line ranges;
/// hunks from the two sides that overlap or touch (adjacent lines, or an insertion at the edge of the other's
/// change) form one group, as git does, because their relative order is ambiguous. A group changed by one side
/// only, or changed identically by both, merges; otherwise it is a conflict.
/// </summary>
internal static class Diff3
{
    public static IReadOnlyList<Diff3Chunk> Merge(string @base, string mine, string theirs)
    {
        var baseLines = TextLines.SplitKeepingTerminators(@base);
        var mineLines = TextLines.SplitKeepingTerminators(mine);
        var theirsLines = TextLines.SplitKeepingTerminators(theirs);

        var hunks = Hunks(baseLines, mineLines, Side.Mine)
            .Concat(Hunks(baseLines, theirsLines, Side.Theirs))
            .OrderBy(h => h.Start).ThenBy(h => h.End).ThenBy(h => h.Side)
            .ToList();

        var chunks = new List<Diff3Chunk>();
        var stable = new List<string>();
        var position = 0;
        var index = 0;
        while (index < hunks.Count)
        {
            var group = new List<Hunk> { hunks[index++] };
            var start = group[0].Start;
            var end = group[0].End;
            while (index < hunks.Count && hunks[index].Start <= end)
            {
                end = Math.Max(end, hunks[index].End);
                group.Add(hunks[index++]);
            }

            stable.AddRange(baseLines[position..start]);
            var mineVersion = Apply(baseLines, start, end, group.Where(h => h.Side == Side.Mine));
            var theirsVersion = Apply(baseLines, start, end, group.Where(h => h.Side == Side.Theirs));
            var mineChanged = group.Any(h => h.Side == Side.Mine);
            var theirsChanged = group.Any(h => h.Side == Side.Theirs);
            if (!theirsChanged) stable.AddRange(mineVersion);
            else if (!mineChanged || mineVersion.SequenceEqual(theirsVersion)) stable.AddRange(theirsVersion);
            else
            {
                if (stable.Count > 0) chunks.Add(new Diff3Chunk(stable.ToArray()));
                stable.Clear();
                chunks.Add(new Diff3Chunk(theirsVersion, baseLines[start..end], mineVersion, theirsVersion));
            }
            position = end;
        }
        stable.AddRange(baseLines[position..]);
        if (stable.Count > 0) chunks.Add(new Diff3Chunk(stable.ToArray()));
        return chunks;
    }

    /// <summary>The merged text, taking 'theirs' where the sides conflict.</summary>
    public static string TheirsOnConflict(IReadOnlyList<Diff3Chunk> chunks) =>
        string.Concat(chunks.SelectMany(c => c.Merged));

    /// <summary>The merged text with git-style markers around each conflict, for editing by hand.</summary>
    public static string WithMarkers(IReadOnlyList<Diff3Chunk> chunks)
    {
        var builder = new StringBuilder();
        foreach (var chunk in chunks)
        {
            if (!chunk.IsConflict)
            {
                foreach (var line in chunk.Merged) builder.Append(line);
                continue;
            }
            builder.Append("<<<<<<< mine\n");
            AppendTerminated(builder, chunk.Mine!);
            builder.Append("=======\n");
            AppendTerminated(builder, chunk.Theirs!);
            builder.Append(">>>>>>> theirs\n");
        }
        return builder.ToString();
    }

    private static void AppendTerminated(StringBuilder builder, IReadOnlyList<string> lines)
    {
        foreach (var line in lines) builder.Append(line);
        if (lines.Count > 0 && !lines[^1].EndsWith('\n')) builder.Append('\n');
    }

    private static IEnumerable<Hunk> Hunks(string[] baseLines, string[] sideLines, Side side) =>
        TextDiff.Diff(baseLines, sideLines).Select(e =>
            new Hunk(e.OldStart, e.OldEnd, sideLines[e.NewStart..e.NewEnd], side));

    private static List<string> Apply(string[] baseLines, int start, int end, IEnumerable<Hunk> hunks)
    {
        var result = new List<string>();
        var position = start;
        foreach (var hunk in hunks)
        {
            result.AddRange(baseLines[position..hunk.Start]);
            result.AddRange(hunk.Lines);
            position = hunk.End;
        }
        result.AddRange(baseLines[position..end]);
        return result;
    }

    private enum Side
    {
        Mine,
        Theirs,
    }

    private sealed record Hunk(int Start, int End, string[] Lines, Side Side);
}
