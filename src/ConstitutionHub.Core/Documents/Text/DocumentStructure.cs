using System.Text;
using Markdig.Extensions.CustomContainers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>A top-level <c>:::variant</c> block inside a section, by 0-based line numbers.</summary>
/// <param name="Name">The text after <c>:::variant</c>, trimmed; may be invalid (the validator reports it).</param>
/// <param name="OpenLine">Line of the opening fence.</param>
/// <param name="EndLine">One past the closing fence, or one past the last line the unclosed block swallowed.</param>
internal sealed record VariantBlock(string Name, int OpenLine, int EndLine, bool IsClosed)
{
    public int BodyStartLine => OpenLine + 1;
    public int BodyEndLine => IsClosed ? EndLine - 1 : EndLine;
}

/// <summary>
/// One parse of a document with everything the text features need: LF-normalised lines, the Markdig AST, the
/// sections and each section's variant blocks.
/// </summary>
internal sealed class DocumentStructure
{
    private DocumentStructure(TextLines lines, MarkdownDocument document, IReadOnlyList<ParsedSection> sections,
        IReadOnlyList<IReadOnlyList<VariantBlock>> variantBlocks)
    {
        Lines = lines;
        Document = document;
        Sections = sections;
        VariantBlocks = variantBlocks;
    }

    public TextLines Lines { get; }
    public MarkdownDocument Document { get; }
    public IReadOnlyList<ParsedSection> Sections { get; }

    /// <summary>Per section (same index as <see cref="Sections"/>), its top-level variant blocks in order.</summary>
    public IReadOnlyList<IReadOnlyList<VariantBlock>> VariantBlocks { get; }

    public static DocumentStructure Analyse(string markdown)
    {
        var lines = TextLines.Of(TextLines.NormaliseLineEndings(markdown));
        var document = MarkdownLimits.Parse(lines.Text);

        var sections = new List<ParsedSection>();
        var blocksPerSection = new List<IReadOnlyList<VariantBlock>>();
        var pendingBlocks = new List<VariantBlock>();
        var current = (Heading: "", Level: 0, Start: 0, BodyStart: 0);

        void Close(int endLine)
        {
            if (endLine <= current.Start) return; // an empty preamble is no section
            var text = lines.Slice(current.Start, endLine);
            var bodyOffset = lines.StartOf(Math.Min(current.BodyStart, endLine)) - lines.StartOf(current.Start);
            var names = pendingBlocks.Select(b => b.Name).Where(VariantSyntax.IsValidName).Distinct().ToArray();
            sections.Add(new ParsedSection(current.Heading, current.Level, current.Start, endLine, text, names)
            {
                BodyOffset = bodyOffset,
            });
            blocksPerSection.Add(pendingBlocks.ToArray());
        }

        foreach (var block in document)
        {
            switch (block)
            {
                case HeadingBlock heading:
                    // Setext headings report the underline as their Line; the span start is the first text line.
                    var start = lines.LineOfOffset(heading.Span.Start);
                    Close(start);
                    pendingBlocks.Clear();
                    current = (PlainText(heading.Inline), heading.Level, start, lines.LineOfOffset(heading.Span.End) + 1);
                    break;
                case CustomContainer container when container.Info == VariantSyntax.Keyword:
                    pendingBlocks.Add(ToVariantBlock(container, lines));
                    break;
            }
        }
        Close(lines.Count);
        return new DocumentStructure(lines, document, sections, blocksPerSection);
    }

    internal static VariantBlock ToVariantBlock(CustomContainer container, TextLines lines)
    {
        var open = lines.LineOfOffset(container.Span.Start);
        var end = lines.LineOfOffset(Math.Max(container.Span.Start, container.Span.End)) + 1;
        return new VariantBlock((container.Arguments ?? "").Trim(), open, end, container.ClosingFencedCharCount > 0);
    }

    /// <summary>The reader-visible text of inline Markdown: emphasis, code and link marks dropped.</summary>
    internal static string PlainText(ContainerInline? inline)
    {
        if (inline is null) return "";
        var builder = new StringBuilder();
        Append(inline, builder);
        return string.Join(' ', builder.ToString().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    private static void Append(Inline inline, StringBuilder builder)
    {
        switch (inline)
        {
            case LiteralInline literal: builder.Append(literal.Content.AsSpan()); break;
            case CodeInline code: builder.Append(code.Content); break;
            case AutolinkInline autolink: builder.Append(autolink.Url); break;
            case HtmlEntityInline entity: builder.Append(entity.Transcoded.AsSpan()); break;
            case HtmlInline html: builder.Append(html.Tag); break;
            case LineBreakInline: builder.Append(' '); break;
            case ContainerInline container:
                foreach (var child in container) Append(child, builder);
                break;
        }
    }
}
