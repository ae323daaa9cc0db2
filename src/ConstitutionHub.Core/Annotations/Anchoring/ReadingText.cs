using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Annotations.Anchoring;

/// <summary>
/// The text a reader sees of a section, which is what they select and what anchors point into: the section rendered
/// as the Read page renders it, tags dropped, entities decoded, runs of whitespace collapsed to one space, trimmed.
/// The page's script (wwwroot/js/annotations.js) computes the same string from the DOM, so a position means the same
/// on both sides; Markdown marks (<c>**</c>, link targets) are not part of it, so a selection across bold text works.
/// </summary>
public static partial class ReadingText
{
    /// <summary>The reading text of one section's Markdown.</summary>
    public static string Of(string sectionMarkdown)
    {
        ArgumentNullException.ThrowIfNull(sectionMarkdown);
        // Raw HTML is off in the renderer: every '<' in the output starts one of its own tags.
        var text = WebUtility.HtmlDecode(Tags().Replace(MarkdownRenderer.RenderHtml(sectionMarkdown), ""));
        return Collapse(text);
    }

    /// <summary>Runs of whitespace as one space, trimmed: what the script does with <c>/\s+/g</c>.</summary>
    public static string Collapse(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }
            if (pendingSpace) builder.Append(' ');
            pendingSpace = false;
            builder.Append(c);
        }
        return builder.ToString();
    }

    /// <summary>Every section of a revision with its id (sections and ids come in the same order).</summary>
    public static AnchorDocument Document(string markdown, IReadOnlyList<SectionInfo> sections)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentNullException.ThrowIfNull(sections);
        var parsed = SectionParser.Parse(markdown);
        if (parsed.Count != sections.Count)
            throw new ArgumentException($"The revision has {parsed.Count} sections but {sections.Count} section ids.", nameof(sections));
        return new AnchorDocument(parsed.Select((p, i) => new SectionText(sections[i].Id, p.Heading, Of(p.Text))).ToArray());
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();
}
