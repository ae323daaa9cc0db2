using Markdig;
using Markdig.Syntax;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>
/// The document would take unreasonably long to parse (or nests deeper than the parser allows). The save path
/// gets it as a problem from <see cref="VariantValidator"/>; every other entry point throws it.
/// </summary>
public sealed class MarkdownTooComplexException(int line, string reason, Exception? inner = null)
    : ArgumentException($"Line {line}: {reason}", inner)
{
    /// <summary>1-based line where the most expensive paragraph starts (1 when the whole document is at fault).</summary>
    public int Line { get; } = line;

    /// <summary>The message without the line number.</summary>
    public string Reason { get; } = reason;
}

/// <summary>
/// The one gate every parse goes through. Markdig 1.6.0 parses inline markup in time roughly proportional to
/// (emphasis-like delimiters + unclosed brackets) x (length of the paragraph): measured on this machine, one
/// 30 KB line of "**x** " takes 3.5 s, a 5,000-row table with bold cells 11 s, "[a](" repeated over 40 KB 1.7 s
/// (the same class of input as commonmark/cmark#214 and markdown-it#732). Ordinary documents have short
/// paragraphs, so their cost stays tiny; a document whose estimate exceeds <see cref="Budget"/> is refused
/// before Markdig sees it, which bounds any parse to well under a second.
/// </summary>
internal static class MarkdownLimits
{
    /// <summary>
    /// Sum over paragraphs of weighted markup count x paragraph length. Measured here at 1.5-8 ns per unit for
    /// the quadratic shapes, so the worst input just under the budget parses in about a second at most; a 1 MB
    /// constitution of 2 KB paragraphs with 50 emphasis marks each comes to 5e7 (and Markdig takes ~0.9 s on it).
    /// </summary>
    public const long Budget = 100_000_000;

    public static MarkdownDocument Parse(string normalisedText)
    {
        var (cost, line, length, marks) = Estimate(normalisedText);
        if (cost > Budget)
        {
            throw new MarkdownTooComplexException(line,
                $"the document has too much inline markup in too long paragraphs to be processed quickly " +
                $"(the paragraph starting here has {length:N0} characters and a markup weight of {marks:N0}: emphasis " +
                "marks and unclosed brackets). Split long paragraphs and tables into shorter ones.");
        }
        try
        {
            return Markdown.Parse(normalisedText, MarkdownPipelines.Shared);
        }
        catch (ArgumentException error)
        {
            // Markdig throws ArgumentException only for input it refuses, e.g. nesting deeper than its limit.
            throw TooDeep(error);
        }
    }

    /// <summary>Markdig checks its nesting limit while parsing and again while rendering; both end up here.</summary>
    public static MarkdownTooComplexException TooDeep(ArgumentException error) =>
        new(1, "the document nests quotes, lists, brackets or emphasis too deeply to be processed (" + error.Message + ")", error);

    /// <summary>
    /// Linear-time estimate over runs of non-blank lines outside fenced code (tables and paragraphs are such
    /// runs). Brackets and parentheses that close within the run are free: Markdig handles matched links in
    /// linear time. Fence detection is deliberately simple; misjudging a fence only overestimates.
    /// </summary>
    internal static (long Cost, int WorstLine, int WorstLength, int WorstMarks) Estimate(string text)
    {
        long total = 0, worst = -1;
        int worstLine = 1, worstLength = 0, worstMarks = 0;
        int runStart = 0, runLength = 0, marks = 0, openParens = 0, openBrackets = 0;
        var inFence = false;
        var lineNumber = 0;

        void EndRun()
        {
            // Unclosed brackets measured about twice as costly per unit as emphasis marks.
            var unclosed = marks + 2 * (openParens + openBrackets);
            var cost = (long)unclosed * runLength;
            total += cost;
            if (cost > worst)
            {
                (worst, worstLine, worstLength, worstMarks) = (cost, runStart + 1, runLength, unclosed);
            }
            runLength = marks = openParens = openBrackets = 0;
        }

        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.AsSpan().TrimStart();
            if (trimmed.StartsWith("```") || trimmed.StartsWith("~~~"))
            {
                EndRun();
                inFence = !inFence;
            }
            else if (inFence || trimmed.IsEmpty)
            {
                EndRun();
            }
            else
            {
                if (runLength == 0) runStart = lineNumber;
                runLength += line.Length + 1;
                CountMarkup(line, ref marks, ref openParens, ref openBrackets);
            }
            lineNumber++;
        }
        EndRun();
        return (total, worstLine, worstLength, worstMarks);
    }

    /// <summary>
    /// Counts what Markdig's delimiter and link processing is slow on: '*', '~', '^'; '_' unless inside a word
    /// (snake_case cannot emphasise); the doubled delimiters "==", "++", "::" (single ones measured linear); and
    /// brackets still open at the end of the line run.
    /// </summary>
    private static void CountMarkup(string line, ref int marks, ref int openParens, ref int openBrackets)
    {
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            switch (c)
            {
                case '*' or '~' or '^':
                    marks++;
                    break;
                case '_':
                    var inWord = i > 0 && i + 1 < line.Length && char.IsLetterOrDigit(line[i - 1]) && char.IsLetterOrDigit(line[i + 1]);
                    if (!inWord) marks++;
                    break;
                case '=' or '+' or ':' when i + 1 < line.Length && line[i + 1] == c:
                    marks++;
                    i++;
                    break;
                case '(':
                    openParens++;
                    break;
                case ')' when openParens > 0:
                    openParens--;
                    break;
                case '[':
                    openBrackets++;
                    break;
                case ']' when openBrackets > 0:
                    openBrackets--;
                    break;
            }
        }
    }
}
