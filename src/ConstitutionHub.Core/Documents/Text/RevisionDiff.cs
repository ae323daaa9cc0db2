namespace ConstitutionHub.Core.Documents.Text;

public enum SectionChange
{
    Unchanged,
    Added,
    Removed,
    Modified,
    /// <summary>At another place relative to the other sections; see <see cref="SectionDiff.HasTextChanges"/> for edits.</summary>
    Moved,
}

public enum DiffRowKind
{
    Unchanged,
    /// <summary>A line changed in place: both cells are set and their spans show the word-level change.</summary>
    Modified,
    Added,
    Removed,
}

public enum DiffSpanKind
{
    Unchanged,
    Added,
    Removed,
}

/// <summary>A run of text that was kept, added or removed. Render Text as text (it is not HTML).</summary>
public sealed record DiffSpan(DiffSpanKind Kind, string Text);

/// <summary>One side of a side-by-side row: a line of one revision.</summary>
/// <param name="LineNumber">1-based line number in that revision's whole document.</param>
/// <param name="Spans">The line (without its line break) in spans: old cells hold Unchanged/Removed, new cells Unchanged/Added.</param>
public sealed record DiffCell(int LineNumber, IReadOnlyList<DiffSpan> Spans)
{
    public string Text => string.Concat(Spans.Select(s => s.Text));
}

/// <summary>One row of the side-by-side view; Old is null for an added line, New for a removed one.</summary>
public sealed record DiffRow(DiffRowKind Kind, DiffCell? Old, DiffCell? New);

/// <summary>How one section changed between two revisions.</summary>
/// <param name="Heading">The heading in the new revision (the old one for removed sections).</param>
/// <param name="OldHeading">The heading in the old revision; null for added sections.</param>
/// <param name="OldOrdinal">0-based position in the old revision; null for added sections.</param>
/// <param name="NewOrdinal">0-based position in the new revision; null for removed sections.</param>
/// <param name="HasTextChanges">The text differs (always true for Added/Removed/Modified; for Moved: moved and edited).</param>
/// <param name="Rows">Side-by-side rows, line by line with word-level spans.</param>
/// <param name="Inline">The whole section as one word-level stream of kept, removed and added spans.</param>
public sealed record SectionDiff(
    SectionChange Status,
    string Heading,
    int Level,
    string? OldHeading,
    int? OldOrdinal,
    int? NewOrdinal,
    bool HasTextChanges,
    IReadOnlyList<DiffRow> Rows,
    IReadOnlyList<DiffSpan> Inline,
    int WordsAdded,
    int WordsRemoved)
{
    public bool IsRenamed => OldHeading is not null && Status != SectionChange.Removed && OldHeading != Heading;
}

/// <summary>
/// The difference between two revisions: sections in the new revision's order, removed sections placed after
/// their old predecessor. WordsAdded/WordsRemoved count words (not spaces or punctuation) in the inline diffs.
/// </summary>
public sealed record DocumentDiff(IReadOnlyList<SectionDiff> Sections, int WordsAdded, int WordsRemoved)
{
    public bool HasChanges => Sections.Any(s => s.Status != SectionChange.Unchanged);

    public int Count(SectionChange status) => Sections.Count(s => s.Status == status);
}

/// <summary>Two texts as one word-level stream of kept, removed and added spans, with the words added and removed.</summary>
public sealed record WordDiff(IReadOnlyList<DiffSpan> Spans, int Added, int Removed);

/// <summary>Compares two revisions section by section, then line by line, then word by word.</summary>
public static class RevisionDiff
{
    /// <summary>Above this many tokens in a section, the inline view falls back to whole lines (Myers diff is O(N·D)).</summary>
    internal const int MaxInlineTokens = 40_000;

    public static DocumentDiff Compare(string oldText, string newText)
    {
        ArgumentNullException.ThrowIfNull(oldText);
        ArgumentNullException.ThrowIfNull(newText);
        var oldSections = SectionParser.Parse(oldText);
        var newSections = SectionParser.Parse(newText);
        var oldOf = SectionMatcher.Match(
            oldSections.Select(MatchItem.Of).ToArray(), newSections.Select(MatchItem.Of).ToArray());
        var moved = MovedSections(oldOf);

        var diffs = new List<SectionDiff>();
        var matchedOld = new bool[oldSections.Count];
        var positionOfOld = new Dictionary<int, int>();
        for (var n = 0; n < newSections.Count; n++)
        {
            if (oldOf[n] >= 0)
            {
                matchedOld[oldOf[n]] = true;
                positionOfOld[oldOf[n]] = diffs.Count;
                diffs.Add(Matched(oldSections[oldOf[n]], oldOf[n], newSections[n], n, moved.Contains(n)));
            }
            else
            {
                diffs.Add(OneSided(newSections[n], n, SectionChange.Added));
            }
        }
        InsertRemoved(diffs, oldSections, matchedOld, positionOfOld);
        return new DocumentDiff(diffs, diffs.Sum(d => d.WordsAdded), diffs.Sum(d => d.WordsRemoved));
    }

    /// <summary>
    /// A matched section counts as moved when it is outside the longest run of matched sections that kept their
    /// relative order, the smallest set of moves that explains the new order.
    /// </summary>
    private static HashSet<int> MovedSections(int[] oldOf)
    {
        var matched = Enumerable.Range(0, oldOf.Length).Where(n => oldOf[n] >= 0).ToList();
        var tails = new List<int>(); // tails[k]: index into matched of the smallest tail of an increasing run of length k+1
        var previous = new int[matched.Count];
        for (var i = 0; i < matched.Count; i++)
        {
            var value = oldOf[matched[i]];
            int lo = 0, hi = tails.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (oldOf[matched[tails[mid]]] < value) lo = mid + 1;
                else hi = mid;
            }
            previous[i] = lo > 0 ? tails[lo - 1] : -1;
            if (lo == tails.Count) tails.Add(i);
            else tails[lo] = i;
        }
        var kept = new HashSet<int>();
        for (var i = tails.Count > 0 ? tails[^1] : -1; i >= 0; i = previous[i]) kept.Add(matched[i]);
        return matched.Where(n => !kept.Contains(n)).ToHashSet();
    }

    private static void InsertRemoved(List<SectionDiff> diffs, IReadOnlyList<ParsedSection> oldSections,
        bool[] matchedOld, Dictionary<int, int> positionOfOld)
    {
        // Walk backwards so inserting does not shift positions still to be used.
        var byAnchor = new SortedDictionary<int, List<SectionDiff>>();
        var anchor = -1;
        for (var o = 0; o < oldSections.Count; o++)
        {
            if (matchedOld[o])
            {
                anchor = positionOfOld[o];
                continue;
            }
            if (!byAnchor.TryGetValue(anchor, out var list)) byAnchor[anchor] = list = [];
            list.Add(OneSided(oldSections[o], o, SectionChange.Removed));
        }
        foreach (var (position, removed) in byAnchor.Reverse()) diffs.InsertRange(position + 1, removed);
    }

    private static SectionDiff OneSided(ParsedSection section, int ordinal, SectionChange status)
    {
        var added = status == SectionChange.Added;
        var spanKind = added ? DiffSpanKind.Added : DiffSpanKind.Removed;
        var rowKind = added ? DiffRowKind.Added : DiffRowKind.Removed;
        var lines = Lines(section.Text);
        var rows = lines.Select((line, i) =>
        {
            var cell = new DiffCell(section.StartLine + i + 1, Spans(spanKind, line));
            return new DiffRow(rowKind, added ? null : cell, added ? cell : null);
        }).ToArray();
        var words = CountWords(section.Text);
        return new SectionDiff(status, section.Heading, section.Level, added ? null : section.Heading,
            added ? null : ordinal, added ? ordinal : null, true, rows, Spans(spanKind, section.Text),
            added ? words : 0, added ? 0 : words);
    }

    private static SectionDiff Matched(ParsedSection old, int oldOrdinal, ParsedSection @new, int newOrdinal, bool moved)
    {
        var changed = old.Text != @new.Text;
        var status = moved ? SectionChange.Moved : changed ? SectionChange.Modified : SectionChange.Unchanged;
        IReadOnlyList<DiffRow> rows = changed ? ChangedRows(old, @new) : UnchangedRows(old, @new);
        var (inline, added, removed) = changed
            ? InlineDiff(old.Text, @new.Text)
            : (Spans(DiffSpanKind.Unchanged, @new.Text), 0, 0);
        return new SectionDiff(status, @new.Heading, @new.Level, old.Heading, oldOrdinal, newOrdinal, changed,
            rows, inline, added, removed);
    }

    private static DiffRow[] UnchangedRows(ParsedSection old, ParsedSection @new) =>
        Lines(@new.Text).Select((line, i) => new DiffRow(DiffRowKind.Unchanged,
            new DiffCell(old.StartLine + i + 1, Spans(DiffSpanKind.Unchanged, line)),
            new DiffCell(@new.StartLine + i + 1, Spans(DiffSpanKind.Unchanged, line)))).ToArray();

    private static List<DiffRow> ChangedRows(ParsedSection old, ParsedSection @new)
    {
        var oldLines = Lines(old.Text);
        var newLines = Lines(@new.Text);
        var rows = new List<DiffRow>();
        int a = 0, b = 0;

        void Unchanged()
        {
            rows.Add(new DiffRow(DiffRowKind.Unchanged,
                new DiffCell(old.StartLine + a + 1, Spans(DiffSpanKind.Unchanged, oldLines[a])),
                new DiffCell(@new.StartLine + b + 1, Spans(DiffSpanKind.Unchanged, newLines[b]))));
            a++;
            b++;
        }

        foreach (var edit in TextDiff.Diff(oldLines, newLines))
        {
            while (a < edit.OldStart) Unchanged();
            var paired = Math.Min(edit.OldCount, edit.NewCount);
            for (var k = 0; k < paired; k++)
            {
                var (oldSpans, newSpans) = LineWordDiff(oldLines[a], newLines[b]);
                rows.Add(new DiffRow(DiffRowKind.Modified,
                    new DiffCell(old.StartLine + a + 1, oldSpans), new DiffCell(@new.StartLine + b + 1, newSpans)));
                a++;
                b++;
            }
            for (; a < edit.OldEnd; a++)
            {
                rows.Add(new DiffRow(DiffRowKind.Removed, new DiffCell(old.StartLine + a + 1, Spans(DiffSpanKind.Removed, oldLines[a])), null));
            }
            for (; b < edit.NewEnd; b++)
            {
                rows.Add(new DiffRow(DiffRowKind.Added, null, new DiffCell(@new.StartLine + b + 1, Spans(DiffSpanKind.Added, newLines[b]))));
            }
        }
        while (a < oldLines.Length) Unchanged();
        return rows;
    }

    private static (List<DiffSpan> Old, List<DiffSpan> New) LineWordDiff(string oldLine, string newLine)
    {
        var oldTokens = TextDiff.Tokens(oldLine);
        var newTokens = TextDiff.Tokens(newLine);
        var oldSpans = new SpanList();
        var newSpans = new SpanList();
        int a = 0, b = 0;
        foreach (var edit in TextDiff.JoinAcrossWhitespace(TextDiff.Diff(oldTokens, newTokens), oldTokens))
        {
            for (; a < edit.OldStart; a++, b++)
            {
                oldSpans.Add(DiffSpanKind.Unchanged, oldTokens[a]);
                newSpans.Add(DiffSpanKind.Unchanged, newTokens[b]);
            }
            for (; a < edit.OldEnd; a++) oldSpans.Add(DiffSpanKind.Removed, oldTokens[a]);
            for (; b < edit.NewEnd; b++) newSpans.Add(DiffSpanKind.Added, newTokens[b]);
        }
        for (; a < oldTokens.Count; a++, b++)
        {
            oldSpans.Add(DiffSpanKind.Unchanged, oldTokens[a]);
            newSpans.Add(DiffSpanKind.Unchanged, newTokens[b]);
        }
        return (oldSpans.Spans, newSpans.Spans);
    }

    /// <summary>The word diff of two texts (any two, such as two outputs for one prompt), as a section's inline view
    /// shows it; past <see cref="MaxInlineTokens"/> tokens it compares whole lines.</summary>
    public static WordDiff Words(string oldText, string newText)
    {
        var (spans, added, removed) = InlineDiff(oldText, newText);
        return new WordDiff(spans, added, removed);
    }

    private static (List<DiffSpan> Spans, int Added, int Removed) InlineDiff(string oldText, string newText)
    {
        var oldTokens = TextDiff.Tokens(oldText);
        var newTokens = TextDiff.Tokens(newText);
        if (oldTokens.Count + newTokens.Count > MaxInlineTokens)
        {
            oldTokens = TextLines.SplitKeepingTerminators(oldText).ToList();
            newTokens = TextLines.SplitKeepingTerminators(newText).ToList();
        }
        var spans = new SpanList();
        int added = 0, removed = 0, a = 0;
        foreach (var edit in TextDiff.JoinAcrossWhitespace(TextDiff.Diff(oldTokens, newTokens), oldTokens))
        {
            for (; a < edit.OldStart; a++) spans.Add(DiffSpanKind.Unchanged, oldTokens[a]);
            for (; a < edit.OldEnd; a++)
            {
                spans.Add(DiffSpanKind.Removed, oldTokens[a]);
                removed += CountWords(oldTokens[a]);
            }
            for (var b = edit.NewStart; b < edit.NewEnd; b++)
            {
                spans.Add(DiffSpanKind.Added, newTokens[b]);
                added += CountWords(newTokens[b]);
            }
        }
        for (; a < oldTokens.Count; a++) spans.Add(DiffSpanKind.Unchanged, oldTokens[a]);
        return (spans.Spans, added, removed);
    }

    private static int CountWords(string text) => TextDiff.Tokens(text).Count(TextDiff.IsWordToken);

    private static string[] Lines(string text) =>
        TextLines.SplitKeepingTerminators(text).Select(l => l.TrimEnd('\n')).ToArray();

    private static List<DiffSpan> Spans(DiffSpanKind kind, string text) => text.Length == 0 ? [] : [new DiffSpan(kind, text)];

    /// <summary>Builds spans, merging neighbours of the same kind.</summary>
    private sealed class SpanList
    {
        private readonly System.Text.StringBuilder pending = new();
        private DiffSpanKind kind;
        private readonly List<DiffSpan> spans = [];

        public List<DiffSpan> Spans
        {
            get
            {
                Flush();
                return this.spans;
            }
        }

        public void Add(DiffSpanKind kind, string text)
        {
            if (pending.Length > 0 && kind != this.kind) Flush();
            this.kind = kind;
            pending.Append(text);
        }

        private void Flush()
        {
            if (pending.Length == 0) return;
            this.spans.Add(new DiffSpan(this.kind, pending.ToString()));
            pending.Clear();
        }
    }
}
