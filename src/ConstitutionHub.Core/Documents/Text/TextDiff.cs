using System.Globalization;
using System.Text;
using DiffPlex;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>One change between two token sequences: OldCount tokens at OldStart replaced by NewCount at NewStart.</summary>
internal readonly record struct Edit(int OldStart, int OldCount, int NewStart, int NewCount)
{
    public int OldEnd => OldStart + OldCount;
    public int NewEnd => NewStart + NewCount;
}

/// <summary>Myers diff (DiffPlex) over pre-split tokens, plus the tokenisers the merge and the diff view share.</summary>
internal static class TextDiff
{
    private static readonly Differ Differ = new();
    private const string OldKey = "\0old";
    private const string NewKey = "\0new";

    public static List<Edit> Diff(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        // Common prefix and suffix are cut off first: for a one-line edit in a long section this leaves
        // DiffPlex almost nothing to do.
        var prefix = 0;
        while (prefix < a.Count && prefix < b.Count && a[prefix] == b[prefix]) prefix++;
        var suffix = 0;
        while (suffix < a.Count - prefix && suffix < b.Count - prefix && a[a.Count - 1 - suffix] == b[b.Count - 1 - suffix]) suffix++;

        var middleA = Slice(a, prefix, a.Count - suffix);
        var middleB = Slice(b, prefix, b.Count - suffix);
        if (middleA.Length == 0 && middleB.Length == 0) return [];
        if (middleA.Length == 0 || middleB.Length == 0) return [new Edit(prefix, middleA.Length, prefix, middleB.Length)];

        var result = Differ.CreateCustomDiffs(OldKey, NewKey, false, key => key == OldKey ? middleA : middleB);
        return result.DiffBlocks
            .Select(block => new Edit(block.DeleteStartA + prefix, block.DeleteCountA, block.InsertStartB + prefix, block.InsertCountB))
            .ToList();
    }

    /// <summary>
    /// Joins two edits separated only by whitespace tokens, so "the quick brown" -> "a slow red" reads as one
    /// replaced phrase instead of three words with unchanged spaces between them.
    /// </summary>
    public static List<Edit> JoinAcrossWhitespace(List<Edit> edits, IReadOnlyList<string> a)
    {
        if (edits.Count < 2) return edits;
        var joined = new List<Edit> { edits[0] };
        for (var i = 1; i < edits.Count; i++)
        {
            var last = joined[^1];
            var next = edits[i];
            var gapIsWhitespace = next.OldStart > last.OldEnd &&
                Enumerable.Range(last.OldEnd, next.OldStart - last.OldEnd).All(t => IsWhitespaceToken(a[t]));
            if (gapIsWhitespace)
            {
                joined[^1] = new Edit(last.OldStart, next.OldEnd - last.OldStart, last.NewStart, next.NewEnd - last.NewStart);
            }
            else
            {
                joined.Add(next);
            }
        }
        return joined;
    }

    /// <summary>Words (letters, digits, marks), runs of whitespace, and every other character on its own.</summary>
    public static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var builder = new StringBuilder();
        var currentClass = TokenClass.None;
        foreach (var rune in text.EnumerateRunes())
        {
            var runeClass = ClassOf(rune);
            if (runeClass != currentClass || runeClass == TokenClass.Symbol)
            {
                if (builder.Length > 0) tokens.Add(builder.ToString());
                builder.Clear();
                currentClass = runeClass;
            }
            builder.Append(rune.ToString());
        }
        if (builder.Length > 0) tokens.Add(builder.ToString());
        return tokens;
    }

    public static bool IsWordToken(string token) => token.Length > 0 && ClassOf(Rune.GetRuneAt(token, 0)) == TokenClass.Word;

    public static bool IsWhitespaceToken(string token) => token.Length > 0 && char.IsWhiteSpace(token[0]);

    private static TokenClass ClassOf(Rune rune)
    {
        if (Rune.IsWhiteSpace(rune)) return TokenClass.Space;
        if (Rune.IsLetterOrDigit(rune)) return TokenClass.Word;
        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
            or UnicodeCategory.EnclosingMark or UnicodeCategory.ConnectorPunctuation
            ? TokenClass.Word
            : TokenClass.Symbol;
    }

    private static string[] Slice(IReadOnlyList<string> list, int from, int to)
    {
        var slice = new string[Math.Max(0, to - from)];
        for (var i = 0; i < slice.Length; i++) slice[i] = list[from + i];
        return slice;
    }

    private enum TokenClass
    {
        None,
        Word,
        Space,
        Symbol,
    }
}
