namespace ConstitutionHub.Core.Documents.Text;

/// <summary>Splits a Markdown document into sections at its headings (ATX and setext, levels 1-6).</summary>
public static class SectionParser
{
    /// <summary>
    /// Sections in document order. Only headings at the top level count: a <c>#</c> line inside a code block,
    /// quote, list or variant block does not start a section. Line endings are normalised to LF.
    /// </summary>
    public static IReadOnlyList<ParsedSection> Parse(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        return DocumentStructure.Analyse(markdown).Sections;
    }
}
