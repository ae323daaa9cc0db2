using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Tests.Annotations;

public enum Expected
{
    /// <summary>The same text, wherever it now is (same section, shifted, or another section).</summary>
    Same,
    /// <summary>The quoted words were edited a little: the anchor should follow the new wording.</summary>
    Changed,
    /// <summary>The text is gone: the annotation must become an orphan, not attach to other text.</summary>
    Orphan,
}

/// <summary>
/// One re-anchoring case: the old and new revision, each with the annotated text (old) and the text the anchor must
/// land on (new) between <see cref="ReanchoringCorpus.Open"/> and <see cref="ReanchoringCorpus.Close"/> marks.
/// The marks are taken out before anything is anchored; they only say what is right.
/// </summary>
public sealed record AnchoringCase(string Family, string Quote, string OldMarked, string NewMarked, Expected Expected)
{
    public override string ToString() => $"{Family}: \"{Quote}\"";
}

/// <summary>
/// The corpus: every edit family applied to every quote of the baseline constitution (the document the app seeds),
/// so each family meets quotes at the start and end of lines, in lists, in variant blocks and in the first and last
/// sections. A family that does not apply to a quote (no word before it, the section is the first) is left out.
/// </summary>
public static class ReanchoringCorpus
{
    public const char Open = '\uE000';
    public const char Close = '\uE001';

    /// <summary>Quotes as a reader would select them: each occurs once in the document, within one line.</summary>
    public static readonly IReadOnlyList<(string Heading, string Quote)> Quotes =
    [
        ("Baseline constitution", "the app compiles the exact prompt the model will see"),
        ("Baseline constitution", "written to be read by people"),
        ("Purpose", "genuinely useful to the person you are talking with"),
        ("Purpose", "a vague or evasive answer has"),
        ("Honesty", "you say how unsure you are"),
        ("Honesty", "technically true claims"),
        ("Honesty", "you tell them plainly and kindly"),
        ("Honesty", "without softening, and then explain why"),
        ("Curiosity", "a clarifying question when a request is genuinely ambiguous"),
        ("Curiosity", "the quality of your answers rather than through exclamations"),
        ("Agreeableness", "go along with the person's framing"),
        ("Agreeableness", "You push back whenever you see a better approach"),
        ("Agreeableness", "raising only serious concerns"),
        ("Care for the person", "without being paternalistic"),
        ("Care for the person", "point to people or services who can help"),
        ("How you refuse", "give a short reason when that is safe"),
        ("How you refuse", "one sentence about what you can help with"),
        ("Style", "Answer the question first, then add context."),
        ("Style", "short questions get short answers"),
        ("Relationship to these guidelines", "not a cage around you"),
        ("Relationship to these guidelines", "be honest, be helpful, and avoid serious harm"),
    ];

    /// <summary>The seeded document, next to the test (or benchmark) assembly.</summary>
    public static string Baseline { get; } =
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Annotations", "baseline-constitution.md")).Replace("\r\n", "\n");

    public static IReadOnlyList<AnchoringCase> Cases() =>
        Quotes.SelectMany(q =>
        {
            var old = Mark(q.Heading, q.Quote);
            return Families.Select(f => (f.Name, Result: f.Apply(old)))
                .Where(x => x.Result is not null)
                .Select(x => new AnchoringCase(x.Name, q.Quote, old, x.Result!.Value.New, x.Result.Value.Expected));
        }).ToArray();

    private static readonly (string Name, Func<string, (string New, Expected Expected)?> Apply)[] Families =
    [
        ("insert a clause before, same line", m => (Insert(m, ClauseStart(m), "This clause is new here. "), Expected.Same)),
        ("insert a paragraph at the section start", m => (Insert(m, AfterHeading(m), "\nA new paragraph now opens this section.\n"), Expected.Same)),
        ("insert right after the quote", m => (Insert(m, m.IndexOf(Close) + 1, " and more besides"), Expected.Same)),
        ("insert a paragraph after the section", m => (Insert(m, SectionEnd(m), "\nAn added paragraph closes the section.\n\n"), Expected.Same)),
        ("insert a word inside the quote", m => InsideSpace(m) is int at ? (Insert(m, at, "truly "), Expected.Changed) : null),
        ("delete text before, same line", m => LineStart(m) < m.IndexOf(Open) ? (m.Remove(LineStart(m), m.IndexOf(Open) - LineStart(m)), Expected.Same) : null),
        ("delete the following text, same line", m => LineEnd(m) > m.IndexOf(Close) + 1
            ? (m.Remove(m.IndexOf(Close) + 1, LineEnd(m) - m.IndexOf(Close) - 1), Expected.Same) : null),
        ("delete the quote", m => (m.Remove(m.IndexOf(Open), m.IndexOf(Close) - m.IndexOf(Open) + 1), Expected.Orphan)),
        ("delete the whole line", m => (m.Remove(LineStart0(m), LineEnd(m) + 1 - LineStart0(m)), Expected.Orphan)),
        ("reword the word before", m => WordBefore(m) is { } w ? (m.Remove(w.Start, w.Length).Insert(w.Start, "notably"), Expected.Same) : null),
        ("reword the word after", m => WordAfter(m) is { } w ? (m.Remove(w.Start, w.Length).Insert(w.Start, "plainly"), Expected.Same) : null),
        ("reword one word inside the quote", m => MiddleWord(m) is { } w ? (m.Remove(w.Start, w.Length).Insert(w.Start, Other(m.Substring(w.Start, w.Length))), Expected.Changed) : null),
        ("reword the whole quote", m => (Replace(m, Quote(m), Scramble(Quote(m))), Expected.Orphan)),
        ("the quote duplicated in another section", m => (Insert(m, OtherSectionEnd(m), $"\nAs another section says: {Quote(m)} too.\n\n"), Expected.Same)),
        ("the quote duplicated earlier in its section", m => (Insert(m, AfterHeading(m), $"\nIn short: {Quote(m)}, always.\n"), Expected.Same)),
        ("the quote duplicated, original deleted", m =>
        {
            var quote = Quote(m);
            var copied = Insert(m, OtherSectionEnd(m), $"\nElsewhere, {quote} again.\n\n");
            var withoutOriginal = copied.Remove(copied.IndexOf(Open), quote.Length + 2);
            // A long quote identifies itself wherever it is; a short one in other words around it is other text.
            return quote.Length >= Reanchoring.SelfIdentifyingLength
                ? (MarkCopy(withoutOriginal, quote), Expected.Same)
                : (withoutOriginal, Expected.Orphan);
        }),
        ("section moved to the end", m => SectionIndex(m) < Sections(m).Count - 1 ? (MoveSection(m, toEnd: true), Expected.Same) : null),
        ("section moved to the start", m => SectionIndex(m) > 0 ? (MoveSection(m, toEnd: false), Expected.Same) : null),
        ("section moved and edited before the quote", m => SectionIndex(m) < Sections(m).Count - 1
            ? (MoveSection(Insert(m, ClauseStart(m), "Moved and also edited. "), toEnd: true), Expected.Same) : null),
        ("section renamed", m => (RenameHeading(m), Expected.Same)),
        ("section renamed and moved", m => SectionIndex(m) > 0 ? (MoveSection(RenameHeading(m), toEnd: false), Expected.Same) : null),
        ("section split before the quote", m => (Insert(m, LineStart0(m), "## A new part\n\n"), Expected.Same)),
        ("section split after the quote", m => (Insert(m, LineEnd(m) + 1, "\n## A later part\n\n"), Expected.Same)),
        ("merged into the previous section", m => SectionIndex(m) > 0 ? (RemoveHeading(m, SectionIndex(m)), Expected.Same) : null),
        ("the next section merged into this one", m => SectionIndex(m) < Sections(m).Count - 1 ? (RemoveHeading(m, SectionIndex(m) + 1), Expected.Same) : null),
        ("the line moved to another section", m => (MoveLine(m), Expected.Same)),
        ("whole section rewritten", m => (RewriteSection(m), Expected.Orphan)),
        ("section deleted", m => (DeleteSection(m), Expected.Orphan)),
        ("whitespace reflowed", m => (Reflow(m), Expected.Same)),
        ("emphasis added around the quote", m => (m.Insert(m.IndexOf(Close) + 1, "**").Insert(m.IndexOf(Open), "**"), Expected.Same)),
    ];

    /// <summary>The baseline with the quote (in the section of that heading) between marks.</summary>
    public static string Mark(string heading, string quote)
    {
        var sections = SectionParser.Parse(Baseline);
        var offset = 0;
        foreach (var section in sections)
        {
            if (section.Heading == heading)
            {
                var at = section.Text.IndexOf(quote, section.BodyOffset, StringComparison.Ordinal);
                if (at < 0) throw new InvalidOperationException($"'{quote}' is not in section '{heading}'.");
                return Baseline.Insert(offset + at + quote.Length, Close.ToString()).Insert(offset + at, Open.ToString());
            }
            offset += section.Text.Length;
        }
        throw new InvalidOperationException($"No section '{heading}'.");
    }

    public static string Remove(string marked) => marked.Replace(Open.ToString(), "").Replace(Close.ToString(), "");

    private static string Quote(string m) => m[(m.IndexOf(Open) + 1)..m.IndexOf(Close)];

    private static string MarkCopy(string unmarked, string quote)
    {
        var at = unmarked.IndexOf($"Elsewhere, {quote}", StringComparison.Ordinal) + "Elsewhere, ".Length;
        return unmarked.Insert(at + quote.Length, Close.ToString()).Insert(at, Open.ToString());
    }

    private static string Insert(string m, int at, string text) => m.Insert(at, text);

    /// <summary>The marked quote replaced by other text, unmarked: nothing is the right place any more.</summary>
    private static string Replace(string m, string quote, string with) => m.Replace($"{Open}{quote}{Close}", with);

    private static int LineStart0(string m) => m.LastIndexOf('\n', m.IndexOf(Open)) + 1;

    /// <summary>The start of the quote's line, after a list marker.</summary>
    private static int LineStart(string m)
    {
        var start = LineStart0(m);
        return m.AsSpan(start).StartsWith("- ") ? start + 2 : start;
    }

    private static int LineEnd(string m) => m.IndexOf('\n', m.IndexOf(Close)) is var end and >= 0 ? end : m.Length;

    /// <summary>Where the quote's sentence starts: after the last ". " before it on its line, or the line start.</summary>
    private static int ClauseStart(string m)
    {
        var open = m.IndexOf(Open);
        var start = LineStart(m);
        var stop = m.LastIndexOf(". ", open, open - start, StringComparison.Ordinal);
        return stop >= start ? stop + 2 : start;
    }

    private static IReadOnlyList<ParsedSection> Sections(string m) => SectionParser.Parse(m);

    private static int SectionStart(string m, int index) => Sections(m).Take(index).Sum(s => s.Text.Length);

    private static int SectionIndex(string m)
    {
        var open = m.IndexOf(Open);
        var offset = 0;
        var sections = Sections(m);
        for (var i = 0; i < sections.Count; i++)
        {
            offset += sections[i].Text.Length;
            if (open < offset) return i;
        }
        throw new InvalidOperationException("No mark.");
    }

    private static int AfterHeading(string m) => m.IndexOf('\n', SectionStart(m, SectionIndex(m))) + 1;

    private static int SectionEnd(string m) => SectionStart(m, SectionIndex(m) + 1);

    /// <summary>The end of another section than the quote's (the last one, or the first when the quote is in the last).</summary>
    private static int OtherSectionEnd(string m)
    {
        var count = Sections(m).Count;
        var other = SectionIndex(m) == count - 1 ? 0 : count - 1;
        return SectionStart(m, other + 1);
    }

    private static string Ending(string text) => text.EndsWith("\n\n", StringComparison.Ordinal) ? text : text.TrimEnd('\n') + "\n\n";

    private static string MoveSection(string m, bool toEnd)
    {
        var sections = Sections(m).Select(s => Ending(s.Text)).ToList();
        var index = SectionIndex(m);
        var moving = sections[index];
        sections.RemoveAt(index);
        if (toEnd) sections.Add(moving);
        else sections.Insert(0, moving);
        return string.Concat(sections);
    }

    private static string RenameHeading(string m)
    {
        var start = SectionStart(m, SectionIndex(m));
        var end = m.IndexOf('\n', start);
        return m.Insert(end, ", revised");
    }

    private static string RemoveHeading(string m, int index)
    {
        var start = SectionStart(m, index);
        return m.Remove(start, m.IndexOf('\n', start) + 1 - start);
    }

    private static string MoveLine(string m)
    {
        var start = LineStart0(m);
        var line = m[start..(LineEnd(m) + 1)];
        var without = m.Remove(start, line.Length);
        var count = Sections(m).Count;
        var target = SectionIndex(m) == 0 ? count - 1 : 0;
        var at = SectionStart(without, target + 1);
        return without.Insert(at, "\n" + line.TrimStart('-', ' ') + "\n");
    }

    private static string RewriteSection(string m)
    {
        var start = AfterHeading(m);
        var end = SectionEnd(m);
        return m.Remove(start, end - start).Insert(start, "\nEverything here was rewritten from scratch in other words entirely.\n\n");
    }

    private static string DeleteSection(string m)
    {
        var start = SectionStart(m, SectionIndex(m));
        return m.Remove(start, SectionEnd(m) - start);
    }

    /// <summary>The section's lines wrapped at other places: rendering collapses the breaks, so nothing moves for the reader.</summary>
    private static string Reflow(string m)
    {
        var start = AfterHeading(m);
        var end = SectionEnd(m);
        // Join the lines of each paragraph (not lists, fences or headings), so a long line takes their place.
        var lines = m[start..end].Split('\n');
        var joined = new List<string>();
        foreach (var line in lines)
        {
            var plain = line.Length > 0 && !line.StartsWith("- ", StringComparison.Ordinal) && !line.StartsWith(":::", StringComparison.Ordinal);
            if (plain && joined.Count > 0 && joined[^1].Length > 0 && !joined[^1].StartsWith(":::", StringComparison.Ordinal) && !joined[^1].StartsWith("- ", StringComparison.Ordinal))
                joined[^1] += " " + line;
            else joined.Add(line);
        }
        return m.Remove(start, end - start).Insert(start, string.Join('\n', joined));
    }

    private static int? InsideSpace(string m)
    {
        var quote = Quote(m);
        var spaces = Enumerable.Range(0, quote.Length).Where(i => quote[i] == ' ').ToList();
        if (spaces.Count < 2) return null;
        return m.IndexOf(Open) + 1 + spaces[spaces.Count / 2] + 1;
    }

    private static (int Start, int Length)? WordBefore(string m)
    {
        var end = m.IndexOf(Open);
        var lineStart = LineStart(m);
        while (end > lineStart && !char.IsLetter(m[end - 1])) end--;
        if (end <= lineStart) return null;
        var start = end;
        while (start > lineStart && char.IsLetter(m[start - 1])) start--;
        return (start, end - start);
    }

    private static (int Start, int Length)? WordAfter(string m)
    {
        var start = m.IndexOf(Close) + 1;
        var lineEnd = LineEnd(m);
        while (start < lineEnd && !char.IsLetter(m[start])) start++;
        if (start >= lineEnd) return null;
        var end = start;
        while (end < lineEnd && char.IsLetter(m[end])) end++;
        return (start, end - start);
    }

    /// <summary>A word in the middle of a quote of at least five words.</summary>
    private static (int Start, int Length)? MiddleWord(string m)
    {
        var quote = Quote(m);
        var words = System.Text.RegularExpressions.Regex.Matches(quote, "[A-Za-z']+");
        if (words.Count < 5) return null;
        var word = words[words.Count / 2];
        return (m.IndexOf(Open) + 1 + word.Index, word.Length);
    }

    private static string Other(string word) => word.Length <= 3 ? "each" : "different";

    /// <summary>Other words of about the same length: what a rewrite of the sentence leaves of it.</summary>
    private static string Scramble(string quote)
    {
        var filler = "entirely other wording replaces this part now and then again";
        var result = filler;
        while (result.Length < quote.Length) result += " " + filler;
        return result[..quote.Length].TrimEnd();
    }
}
