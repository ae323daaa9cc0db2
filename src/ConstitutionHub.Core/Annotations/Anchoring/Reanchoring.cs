using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Annotations.Anchoring;

public enum AnchorOutcome
{
    /// <summary>Same section, same place, same text.</summary>
    Unchanged,
    /// <summary>Same section and text, another position (text before it changed, or it moved within the section).</summary>
    Shifted,
    /// <summary>Same text, now in another section (a paragraph moved, a section split or merged).</summary>
    Moved,
    /// <summary>The quoted text itself was edited a little; the anchor follows the new wording.</summary>
    Changed,
    /// <summary>The text is gone: the annotation keeps its original quote and is listed as an orphan.</summary>
    Orphaned,
}

/// <summary>Which step of <see cref="Reanchoring"/> found the new place.</summary>
public enum AnchorMethod
{
    Diff,
    Quote,
    Fuzzy,
    None,
}

/// <summary>Where one anchor of the old revision is in the new one; <see cref="Anchor"/> is null for an orphan.</summary>
public sealed record Reanchored(TextAnchor Original, TextAnchor? Anchor, AnchorOutcome Outcome, AnchorMethod Method)
{
    public bool IsOrphan => Anchor is null;
}

/// <summary>
/// Carries anchors from one revision to the next, in this order:
/// 1. through the revision's own diff: the section (by stable id, so moves and renames are free) is diffed word by
///    word, and an anchor whose text no edit touched moves by exactly the length change before it;
/// 2. by the quote, in its section first, then anywhere: accepted when its context (prefix or suffix) still agrees,
///    or when the quote is long enough to identify itself and occurs once;
/// 3. fuzzy, where the diff says the quoted text went: the closest substring within <see cref="FuzzyThreshold"/>
///    edits per character, widened to whole words;
/// 4. else an orphan. Nothing is ever attached by position alone, so no anchor lands on unrelated text.
/// </summary>
public sealed class Reanchoring
{
    /// <summary>At most this many character edits per quoted character for a fuzzy match to count as the same text.</summary>
    public const double FuzzyThreshold = 0.25;

    /// <summary>A quote this long that occurs once in the new revision is the same text wherever it now is.</summary>
    public const int SelfIdentifyingLength = 32;

    /// <summary>Share of a context side that must still agree for a quote match to be accepted on context.</summary>
    public const double ContextAgreement = 0.5;

    /// <summary>Quotes longer than this are not searched fuzzily (the cost grows with quote x window).</summary>
    public const int MaxFuzzyLength = 1000;

    private readonly AnchorDocument _old;
    private readonly AnchorDocument _new;
    private readonly Dictionary<string, SectionMap?> _maps = new(StringComparer.Ordinal);

    public Reanchoring(AnchorDocument oldRevision, AnchorDocument newRevision)
    {
        _old = oldRevision ?? throw new ArgumentNullException(nameof(oldRevision));
        _new = newRevision ?? throw new ArgumentNullException(nameof(newRevision));
    }

    /// <summary>Re-anchors many anchors: each section is diffed once, however many anchors it holds.</summary>
    public static IReadOnlyList<Reanchored> All(AnchorDocument oldRevision, AnchorDocument newRevision, IEnumerable<TextAnchor> anchors)
    {
        var engine = new Reanchoring(oldRevision, newRevision);
        return anchors.Select(engine.Reanchor).ToArray();
    }

    public Reanchored Reanchor(TextAnchor anchor)
    {
        ArgumentNullException.ThrowIfNull(anchor);
        var oldSection = _old[anchor.SectionId];
        var newSection = _new[anchor.SectionId];
        var consistent = oldSection is not null && anchor.Start >= 0 && anchor.End <= oldSection.Text.Length && anchor.Start < anchor.End &&
            string.CompareOrdinal(oldSection.Text, anchor.Start, anchor.Exact, 0, anchor.Exact.Length) == 0 &&
            anchor.End - anchor.Start == anchor.Exact.Length;

        (int Start, int End)? approximate = null;
        if (consistent && newSection is not null)
        {
            var map = MapOf(oldSection!, newSection);
            var mapped = map.Map(anchor.Start, anchor.End);
            if (mapped.Untouched)
            {
                var moved = TextAnchor.At(newSection, mapped.Start, mapped.End);
                var outcome = moved.Start == anchor.Start ? AnchorOutcome.Unchanged : AnchorOutcome.Shifted;
                return new Reanchored(anchor, moved, outcome, AnchorMethod.Diff);
            }
            approximate = (mapped.Start, mapped.End);
        }

        var byQuote = ByQuote(anchor, newSection);
        if (byQuote is not null)
        {
            var outcome = byQuote.SectionId == anchor.SectionId ? AnchorOutcome.Shifted : AnchorOutcome.Moved;
            if (outcome == AnchorOutcome.Shifted && byQuote.Start == anchor.Start) outcome = AnchorOutcome.Unchanged;
            return new Reanchored(anchor, byQuote, outcome, AnchorMethod.Quote);
        }

        if (approximate is { } near && newSection is not null && anchor.Exact.Length <= MaxFuzzyLength)
        {
            var fuzzy = Fuzzy(anchor.Exact, newSection, near.Start, near.End);
            if (fuzzy is not null) return new Reanchored(anchor, fuzzy, AnchorOutcome.Changed, AnchorMethod.Fuzzy);
        }
        return new Reanchored(anchor, null, AnchorOutcome.Orphaned, AnchorMethod.None);
    }

    private SectionMap MapOf(SectionText oldSection, SectionText newSection)
    {
        if (!_maps.TryGetValue(oldSection.Id, out var map)) _maps[oldSection.Id] = map = SectionMap.Between(oldSection.Text, newSection.Text);
        return map!;
    }

    /// <summary>Step 2: the exact quote, in its own section first, then anywhere in the revision.</summary>
    private TextAnchor? ByQuote(TextAnchor anchor, SectionText? ownSection)
    {
        if (ownSection is not null && Best(anchor, [ownSection]) is { } inOwn) return inOwn;
        return Best(anchor, _new.Sections.Where(s => s.Id != anchor.SectionId));
    }

    private static TextAnchor? Best(TextAnchor anchor, IEnumerable<SectionText> sections)
    {
        var candidates = new List<(SectionText Section, int At, double Context)>();
        var occurrences = 0;
        foreach (var section in sections)
        {
            for (var at = section.Text.IndexOf(anchor.Exact, StringComparison.Ordinal); at >= 0;
                 at = section.Text.IndexOf(anchor.Exact, at + 1, StringComparison.Ordinal))
            {
                occurrences++;
                candidates.Add((section, at, ContextScore(anchor, section.Text, at)));
            }
        }
        if (candidates.Count == 0) return null;
        var ranked = candidates.OrderByDescending(c => c.Context).ToList();
        var best = ranked[0];
        var clearWinner = ranked.Count == 1 || ranked[1].Context < best.Context;
        var accepted = (best.Context >= ContextAgreement && clearWinner) ||
            (occurrences == 1 && anchor.Exact.Length >= SelfIdentifyingLength);
        return accepted ? TextAnchor.At(best.Section, best.At, best.At + anchor.Exact.Length) : null;
    }

    /// <summary>
    /// How well the text around a candidate agrees with the anchor's context: the better side's share of matching
    /// characters next to the quote (one side is enough: an edit right before a quote leaves its suffix intact).
    /// A side with no recorded context (the quote starts or ends its section) agrees when the candidate is also at
    /// that edge.
    /// </summary>
    private static double ContextScore(TextAnchor anchor, string text, int at)
    {
        var before = text[Math.Max(0, at - anchor.Prefix.Length)..at];
        var afterStart = at + anchor.Exact.Length;
        var after = text[afterStart..Math.Min(text.Length, afterStart + anchor.Suffix.Length)];
        var prefix = anchor.Prefix.Length == 0 ? (at == 0 ? 1.0 : 0.0) : CommonSuffix(anchor.Prefix, before) / (double)anchor.Prefix.Length;
        var suffix = anchor.Suffix.Length == 0 ? (afterStart == text.Length ? 1.0 : 0.0) : CommonPrefix(anchor.Suffix, after) / (double)anchor.Suffix.Length;
        return Math.Max(prefix, suffix);
    }

    private static int CommonPrefix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[n] == b[n]) n++;
        return n;
    }

    private static int CommonSuffix(string a, string b)
    {
        var n = 0;
        while (n < a.Length && n < b.Length && a[^(n + 1)] == b[^(n + 1)]) n++;
        return n;
    }

    /// <summary>Step 3: the closest substring to the quote around where the diff put its edited text.</summary>
    private static TextAnchor? Fuzzy(string exact, SectionText section, int nearStart, int nearEnd)
    {
        var text = section.Text;
        var slack = exact.Length / 2 + 1;
        var from = Math.Max(0, nearStart - slack);
        var to = Math.Min(text.Length, nearEnd + slack);
        if (to <= from) return null;
        var match = ApproximateMatch.Best(exact, text.AsSpan(from, to - from));
        if (match is null) return null;
        var (start, end) = WholeWords(text, from + match.Value.Start, from + match.Value.End);
        if (end <= start) return null;
        var distance = ApproximateMatch.Distance(exact, text.AsSpan(start, end - start));
        return distance <= FuzzyThreshold * exact.Length ? TextAnchor.At(section, start, end) : null;
    }

    /// <summary>A fuzzy match widened to whole words and trimmed of surrounding spaces.</summary>
    private static (int Start, int End) WholeWords(string text, int start, int end)
    {
        while (start > 0 && char.IsLetterOrDigit(text[start - 1]) && char.IsLetterOrDigit(text[start])) start--;
        while (end < text.Length && end > 0 && char.IsLetterOrDigit(text[end - 1]) && char.IsLetterOrDigit(text[end])) end++;
        while (start < end && char.IsWhiteSpace(text[start])) start++;
        while (end > start && char.IsWhiteSpace(text[end - 1])) end--;
        return (start, end);
    }
}

/// <summary>The word-level edits between two versions of one section, as character ranges.</summary>
internal sealed class SectionMap
{
    private readonly (int OldStart, int OldEnd, int NewStart, int NewEnd)[] _edits;

    private SectionMap((int, int, int, int)[] edits) => _edits = edits;

    public static SectionMap Between(string oldText, string newText)
    {
        if (oldText == newText) return new SectionMap([]);
        var oldTokens = TextDiff.Tokens(oldText);
        var newTokens = TextDiff.Tokens(newText);
        var oldOffsets = Offsets(oldTokens);
        var newOffsets = Offsets(newTokens);
        var edits = TextDiff.Diff(oldTokens, newTokens)
            .Select(e => (oldOffsets[e.OldStart], oldOffsets[e.OldEnd], newOffsets[e.NewStart], newOffsets[e.NewEnd]))
            .ToArray();
        return new SectionMap(edits);
    }

    private static int[] Offsets(List<string> tokens)
    {
        var offsets = new int[tokens.Count + 1];
        for (var i = 0; i < tokens.Count; i++) offsets[i + 1] = offsets[i] + tokens[i].Length;
        return offsets;
    }

    /// <summary>
    /// Where <c>[start, end)</c> of the old text is in the new one. Untouched when no edit removed or replaced any of
    /// its characters nor inserted text strictly inside it; otherwise the range the edited text now covers.
    /// </summary>
    public (int Start, int End, bool Untouched) Map(int start, int end)
    {
        var untouched = true;
        var delta = 0; // new minus old position after the edits seen so far
        var newStart = -1;
        var newEnd = -1;
        foreach (var (oldStart, oldEnd, editNewStart, editNewEnd) in _edits)
        {
            // Before the range (an insertion right at its start included): the range only shifts.
            if (oldEnd <= start)
            {
                delta = editNewEnd - oldEnd;
                continue;
            }
            // After it (an insertion right at its end included): no later edit matters.
            if (oldStart >= end) break;
            untouched = false;
            if (newStart < 0) newStart = oldStart <= start ? editNewStart : start + delta;
            newEnd = oldEnd >= end ? editNewEnd : -1;
            delta = editNewEnd - oldEnd;
        }
        if (untouched) return (start + delta, end + delta, true);
        if (newEnd < 0) newEnd = end + delta;
        return (newStart, Math.Max(newStart, newEnd), false);
    }
}
