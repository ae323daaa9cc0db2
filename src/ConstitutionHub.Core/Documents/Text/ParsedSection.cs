namespace ConstitutionHub.Core.Documents.Text;

/// <summary>
/// One section of a document: a heading (any level) and everything up to the next heading. Text before the first
/// heading is the preamble: empty heading, level 0.
/// </summary>
/// <param name="Heading">Plain text of the heading (Markdown emphasis and code marks removed).</param>
/// <param name="Level">1-6 for headings, 0 for the preamble.</param>
/// <param name="StartLine">0-based index of the first line (the heading line) in the LF-normalised document.</param>
/// <param name="EndLine">0-based index one past the last line.</param>
/// <param name="Text">The section's lines with their LF terminators; concatenating all sections gives the document back.</param>
/// <param name="VariantNames">Valid names of the section's <c>:::variant</c> blocks in document order, without duplicates.</param>
public sealed record ParsedSection(
    string Heading,
    int Level,
    int StartLine,
    int EndLine,
    string Text,
    IReadOnlyList<string> VariantNames)
{
    /// <summary>Character offset in <see cref="Text"/> where the body starts (after the heading line, or both setext lines).</summary>
    public int BodyOffset { get; init; }

    /// <summary>The section without its heading lines.</summary>
    public string Body => Text[BodyOffset..];

    public bool IsPreamble => Level == 0;

    /// <summary>The variant a recipe gets when it makes no choice for this section; null when there are no variants.</summary>
    public string? DefaultVariant => VariantSyntax.DefaultOf(VariantNames);
}
