using System.Text;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>A section both sides changed in ways that do not combine.</summary>
/// <param name="SectionKey">Key for <see cref="ThreeWayMerge.Resolve"/>: a slug of the heading, unique within the result.</param>
/// <param name="Base">The section in the common ancestor; null when both sides added it.</param>
/// <param name="Mine">The section in 'mine'; null when mine removed it.</param>
/// <param name="Theirs">The section in 'theirs'; null when theirs removed it.</param>
public sealed record MergeConflict(string SectionKey, string Heading, string? Base, string? Mine, string? Theirs)
{
    /// <summary>
    /// The section with every non-overlapping change merged and git-style markers
    /// (<c>&lt;&lt;&lt;&lt;&lt;&lt;&lt; mine</c> / <c>=======</c> / <c>&gt;&gt;&gt;&gt;&gt;&gt;&gt; theirs</c>) around the lines both sides
    /// changed; null when one side removed the section.
    /// </summary>
    public string? WithMarkers { get; init; }
}

/// <summary>One piece of the merged document: a section's merged text, or a conflict's fallback text.</summary>
/// <param name="ConflictKey">Set when this piece is a conflict that <see cref="ThreeWayMerge.Resolve"/> replaces.</param>
public sealed record MergeSegment(string Text, string? ConflictKey)
{
    internal int? MineOrdinal { get; init; }
    internal int? TheirsOrdinal { get; init; }
}

/// <param name="Merged">The merged document; conflicts fall back to 'theirs' (with mine's non-overlapping changes kept).</param>
public sealed record MergeResult(bool IsClean, string Merged, IReadOnlyList<MergeConflict> Conflicts)
{
    /// <summary>The merged document piece by piece, so <see cref="ThreeWayMerge.Resolve"/> can swap conflicts.</summary>
    public IReadOnlyList<MergeSegment> Segments { get; init; } = [];
}

/// <summary>
/// Three-way merge of a document, section by section. Sections are matched across base, mine and theirs with
/// the section-identity rules (heading, then body similarity), so a renamed or moved section still merges with
/// its edits. Per section: changed on one side only -> that side; same change on both -> taken once; both changed
/// -> line-level diff3 inside the section; overlapping changes -> conflict. Removed on one side and unchanged on
/// the other -> removed; removed against modified -> conflict. Section order follows theirs (or mine, when only
/// mine reordered); sections new on the other side go after their predecessor there.
/// </summary>
public static class ThreeWayMerge
{
    public static MergeResult Merge(string @base, string mine, string theirs)
    {
        ArgumentNullException.ThrowIfNull(@base);
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(theirs);

        var b = SectionParser.Parse(@base);
        var m = SectionParser.Parse(mine);
        var t = SectionParser.Parse(theirs);
        var entries = MatchEntries(b, m, t);
        var keys = new ConflictKeys();
        var outcomes = entries.Select(e => Decide(e, b, m, t, keys)).ToList();
        var order = Order(entries, b, m, t);

        var segments = new List<MergeSegment>();
        var conflicts = new List<MergeConflict>();
        foreach (var index in order)
        {
            var (text, conflict) = outcomes[index];
            if (text is null && conflict is null) continue; // removed
            if (conflict is not null) conflicts.Add(conflict);
            segments.Add(new MergeSegment(text ?? "", conflict?.SectionKey)
            {
                MineOrdinal = entries[index].Mine,
                TheirsOrdinal = entries[index].Theirs,
            });
        }
        return new MergeResult(conflicts.Count == 0, Join(segments.Select(s => (s.Text, s))), conflicts)
        {
            Segments = segments,
        };
    }

    /// <summary>
    /// The merged document with each conflict replaced by the chosen text (the whole section, heading included;
    /// an empty string removes the section). Chosen text gets LF line endings and a final line break.
    /// </summary>
    /// <exception cref="ArgumentException">A conflict has no chosen text, or a key names no conflict.</exception>
    public static string Resolve(MergeResult result, IReadOnlyDictionary<string, string> chosenTextPerConflictKey)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(chosenTextPerConflictKey);
        var known = result.Conflicts.Select(c => c.SectionKey).ToHashSet(StringComparer.Ordinal);
        var unknown = chosenTextPerConflictKey.Keys.Where(k => !known.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var missing = known.Where(k => !chosenTextPerConflictKey.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0 || missing.Count > 0)
        {
            var problems = new List<string>();
            if (missing.Count > 0) problems.Add("no text chosen for conflict(s) " + string.Join(", ", missing.Select(k => $"'{k}'")));
            if (unknown.Count > 0) problems.Add("no conflict has key(s) " + string.Join(", ", unknown.Select(k => $"'{k}'")));
            throw new ArgumentException("Cannot resolve the merge: " + string.Join("; ", problems) + ".", nameof(chosenTextPerConflictKey));
        }
        return Join(result.Segments.Select(s =>
            (s.ConflictKey is null ? s.Text : Chosen(chosenTextPerConflictKey[s.ConflictKey]), s)));
    }

    /// <summary>Text from an editor box: LF line endings, and a final line break so the next heading starts a line.</summary>
    private static string Chosen(string text)
    {
        var normalised = TextLines.NormaliseLineEndings(text);
        return normalised.Length == 0 || normalised.EndsWith('\n') ? normalised : normalised + "\n";
    }

    /// <summary>One logical section: its index in base, mine and theirs (null where absent).</summary>
    private sealed record Entry(int? Base, int? Mine, int? Theirs);

    private static List<Entry> MatchEntries(IReadOnlyList<ParsedSection> b, IReadOnlyList<ParsedSection> m, IReadOnlyList<ParsedSection> t)
    {
        var baseItems = b.Select(MatchItem.Of).ToArray();
        var mineItems = m.Select(MatchItem.Of).ToArray();
        var theirsItems = t.Select(MatchItem.Of).ToArray();
        var mineToBase = SectionMatcher.Match(baseItems, mineItems);
        var theirsToBase = SectionMatcher.Match(baseItems, theirsItems);

        var entries = new List<Entry>();
        for (var i = 0; i < b.Count; i++)
        {
            var mineIndex = Array.IndexOf(mineToBase, i);
            var theirsIndex = Array.IndexOf(theirsToBase, i);
            entries.Add(new Entry(i, mineIndex >= 0 ? mineIndex : null, theirsIndex >= 0 ? theirsIndex : null));
        }

        // Sections both sides added are matched with each other by the same rules (e.g. both added "Humour").
        var newInMine = Enumerable.Range(0, m.Count).Where(i => mineToBase[i] < 0).ToList();
        var newInTheirs = Enumerable.Range(0, t.Count).Where(i => theirsToBase[i] < 0).ToList();
        var theirsToMine = SectionMatcher.Match(
            newInMine.Select(i => mineItems[i]).ToArray(), newInTheirs.Select(i => theirsItems[i]).ToArray());
        for (var j = 0; j < newInTheirs.Count; j++)
        {
            entries.Add(new Entry(null, theirsToMine[j] >= 0 ? newInMine[theirsToMine[j]] : null, newInTheirs[j]));
        }
        var pairedMine = theirsToMine.Where(x => x >= 0).Select(x => newInMine[x]).ToHashSet();
        entries.AddRange(newInMine.Where(i => !pairedMine.Contains(i)).Select(i => new Entry(null, i, null)));
        return entries;
    }

    /// <summary>The section's merged text (null when removed) and its conflict, if any.</summary>
    private static (string? Text, MergeConflict? Conflict) Decide(Entry entry, IReadOnlyList<ParsedSection> b,
        IReadOnlyList<ParsedSection> m, IReadOnlyList<ParsedSection> t, ConflictKeys keys)
    {
        var baseSection = entry.Base is { } bi ? b[bi] : null;
        var mineSection = entry.Mine is { } mi ? m[mi] : null;
        var theirsSection = entry.Theirs is { } ti ? t[ti] : null;
        var baseText = baseSection?.Text;
        var mineText = mineSection?.Text;
        var theirsText = theirsSection?.Text;
        var heading = (theirsSection ?? mineSection ?? baseSection)!.Heading;

        MergeConflict Conflict(string? withMarkers = null) =>
            new(keys.For(heading), heading, baseText, mineText, theirsText) { WithMarkers = withMarkers };

        if (mineText is null && theirsText is null) return (null, null);
        if (mineText is null)
        {
            if (baseText is null) return (theirsText, null); // added by theirs
            return theirsText == baseText ? (null, null) : (theirsText, Conflict()); // mine removed it
        }
        if (theirsText is null)
        {
            if (baseText is null) return (mineText, null); // added by mine
            return mineText == baseText ? (null, null) : ("", Conflict()); // theirs removed it
        }
        if (mineText == theirsText || mineText == baseText) return (theirsText, null);
        if (theirsText == baseText) return (mineText, null);

        var chunks = Diff3.Merge(baseText ?? "", mineText, theirsText);
        var merged = Diff3.TheirsOnConflict(chunks);
        return chunks.Any(c => c.IsConflict) ? (merged, Conflict(Diff3.WithMarkers(chunks))) : (merged, null);
    }

    /// <summary>
    /// Entry indexes in output order. The order comes from theirs, unless only mine changed the relative order
    /// of the sections it shares with base (then mine's order is the change to keep). Sections missing from that
    /// side are placed after their predecessor in the other side.
    /// </summary>
    private static List<int> Order(List<Entry> entries, IReadOnlyList<ParsedSection> b, IReadOnlyList<ParsedSection> m, IReadOnlyList<ParsedSection> t)
    {
        var mineReordered = Reordered(entries, e => e.Mine);
        var theirsReordered = Reordered(entries, e => e.Theirs);
        Func<Entry, int?> primary = mineReordered && !theirsReordered ? e => e.Mine : e => e.Theirs;
        Func<Entry, int?> other = mineReordered && !theirsReordered ? e => e.Theirs : e => e.Mine;

        var order = Enumerable.Range(0, entries.Count)
            .Where(i => primary(entries[i]) is not null)
            .OrderBy(i => primary(entries[i]))
            .ToList();
        var placed = order.ToHashSet();
        var otherSequence = Enumerable.Range(0, entries.Count)
            .Where(i => other(entries[i]) is not null)
            .OrderBy(i => other(entries[i]))
            .ToList();
        for (var k = 0; k < otherSequence.Count; k++)
        {
            var index = otherSequence[k];
            if (placed.Contains(index)) continue;
            var at = k == 0 ? 0 : order.IndexOf(otherSequence[k - 1]) + 1;
            order.Insert(at, index);
            placed.Add(index);
        }
        return order;
    }

    private static bool Reordered(List<Entry> entries, Func<Entry, int?> side)
    {
        var baseIndexes = entries.Where(e => e.Base is not null && side(e) is not null)
            .OrderBy(e => side(e)).Select(e => e.Base!.Value).ToList();
        return baseIndexes.Zip(baseIndexes.Skip(1)).Any(pair => pair.First > pair.Second);
    }

    /// <summary>
    /// Concatenates section texts, making sure each ends with a line break. Two sections that were not neighbours
    /// on either side get a blank line between them when neither has one at the seam: without it a paragraph
    /// followed by a setext heading would fuse into one heading.
    /// </summary>
    private static string Join(IEnumerable<(string Text, MergeSegment Segment)> parts)
    {
        var builder = new StringBuilder();
        MergeSegment? previous = null;
        foreach (var (text, segment) in parts)
        {
            if (text.Length == 0) continue;
            if (previous is not null)
            {
                if (builder[^1] != '\n') builder.Append('\n');
                if (!Adjacent(previous, segment) && !EndsWithBlankLine(builder) && !TextLines.IsBlank(FirstLine(text)))
                {
                    builder.Append('\n');
                }
            }
            builder.Append(text);
            previous = segment;
        }
        return builder.ToString();
    }

    private static bool Adjacent(MergeSegment first, MergeSegment second) =>
        (first.MineOrdinal is { } m && second.MineOrdinal == m + 1) ||
        (first.TheirsOrdinal is { } t && second.TheirsOrdinal == t + 1);

    private static bool EndsWithBlankLine(StringBuilder builder)
    {
        // builder ends with '\n'; the last line is blank if only whitespace sits between it and the previous '\n'.
        for (var i = builder.Length - 2; i >= 0; i--)
        {
            if (builder[i] == '\n') return true;
            if (!char.IsWhiteSpace(builder[i])) return false;
        }
        return true;
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOf('\n');
        return end < 0 ? text : text[..end];
    }

    /// <summary>Readable, unique keys: "agreeableness", "examples", "examples-2", "preamble".</summary>
    private sealed class ConflictKeys
    {
        private readonly HashSet<string> used = new(StringComparer.Ordinal);

        public string For(string heading)
        {
            var slug = Slug(heading);
            var key = slug;
            for (var n = 2; !used.Add(key); n++) key = $"{slug}-{n}";
            return key;
        }

        private static string Slug(string heading)
        {
            var builder = new StringBuilder();
            foreach (var c in heading.ToLowerInvariant())
            {
                if (char.IsAsciiLetterOrDigit(c)) builder.Append(c);
                else if (builder.Length > 0 && builder[^1] != '-') builder.Append('-');
            }
            var slug = builder.ToString().Trim('-');
            return slug.Length == 0 ? heading.Length == 0 ? "preamble" : "section" : slug;
        }
    }
}
