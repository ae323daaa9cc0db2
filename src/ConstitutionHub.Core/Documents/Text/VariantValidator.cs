using Markdig.Extensions.CustomContainers;
using Markdig.Syntax;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>One problem with a document's variant blocks; <paramref name="Line"/> is 1-based, as editors show it.</summary>
public sealed record VariantProblem(int Line, string Message)
{
    public override string ToString() => $"Line {Line}: {Message}";
}

/// <summary>Thrown when a document with broken variant blocks is compiled or saved.</summary>
public sealed class VariantSyntaxException(IReadOnlyList<VariantProblem> problems)
    : ArgumentException("The document's variant blocks are not valid:" + Environment.NewLine +
                        string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    public IReadOnlyList<VariantProblem> Problems { get; } = problems;
}

/// <summary>
/// Checks the <c>:::variant NAME</c> blocks of a document. The save path calls it so that a typo (an unclosed
/// block swallows every heading below it) is reported with a line number instead of silently changing sections.
/// </summary>
public static class VariantValidator
{
    /// <summary>
    /// Every problem with the document's variant blocks, by line. A document too complex to parse at all (see
    /// <see cref="MarkdownTooComplexException"/>) is reported as a single problem instead of throwing.
    /// </summary>
    public static IReadOnlyList<VariantProblem> Validate(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        try
        {
            return Validate(DocumentStructure.Analyse(markdown));
        }
        catch (MarkdownTooComplexException tooComplex)
        {
            return [new VariantProblem(tooComplex.Line, tooComplex.Reason)];
        }
    }

    /// <summary>Throws <see cref="VariantSyntaxException"/> listing every problem, if there is any.</summary>
    public static void EnsureValid(string markdown)
    {
        var problems = Validate(markdown);
        if (problems.Count > 0) throw new VariantSyntaxException(problems);
    }

    internal static IReadOnlyList<VariantProblem> Validate(DocumentStructure structure)
    {
        var problems = new List<VariantProblem>();
        foreach (var container in structure.Document.Descendants<CustomContainer>())
        {
            CheckContainer(container, structure.Lines, problems);
        }
        for (var i = 0; i < structure.Sections.Count; i++)
        {
            CheckDuplicates(structure.Sections[i], structure.VariantBlocks[i], problems);
        }
        return problems.OrderBy(p => p.Line).ToArray();
    }

    private static void CheckContainer(CustomContainer container, TextLines lines, List<VariantProblem> problems)
    {
        var block = DocumentStructure.ToVariantBlock(container, lines);
        var line = block.OpenLine + 1;
        var info = container.Info ?? "";

        if (info.Length == 0)
        {
            problems.Add(new VariantProblem(line, block.IsClosed
                ? "a ':::' block without a name; start variant blocks with ':::variant NAME'."
                : "':::' has no open variant block to close (the one above is already closed), so it opens a " +
                  "new block that runs to the end of the document; remove this line."));
            return;
        }
        if (info != VariantSyntax.Keyword)
        {
            var hint = string.Equals(info, VariantSyntax.Keyword, StringComparison.OrdinalIgnoreCase)
                ? " Write 'variant' in lower case."
                : "";
            problems.Add(new VariantProblem(line,
                $"unknown block ':::{info}'; only ':::variant NAME' blocks are supported.{hint}"));
        }
        else if (block.Name.Length == 0)
        {
            problems.Add(new VariantProblem(line,
                "variant block without a name; write ':::variant NAME', for example ':::variant lower'."));
        }
        else if (!VariantSyntax.IsValidName(block.Name))
        {
            problems.Add(new VariantProblem(line,
                $"variant name '{block.Name}' is not valid: use 1-{VariantSyntax.MaxNameLength} characters from " +
                "a-z, 0-9 and '-', starting with a letter or digit (for example 'more-direct')."));
        }

        if (!block.IsClosed)
        {
            problems.Add(new VariantProblem(line,
                $"block ':::{info} {block.Name}'".TrimEnd() + " is never closed; add a line ':::' after its text " +
                "(an unclosed block swallows every heading below it)."));
        }

        switch (container.Parent)
        {
            case MarkdownDocument:
                break;
            case CustomContainer outer:
                problems.Add(new VariantProblem(line,
                    $"this block is inside the block opened at line {lines.LineOfOffset(outer.Span.Start) + 1}; " +
                    "variant blocks cannot be nested. Close the outer block with ':::' first."));
                break;
            default:
                problems.Add(new VariantProblem(line,
                    "this block is inside a list, quote or footnote; variant blocks must start at the left margin, " +
                    "directly inside a section."));
                break;
        }
    }

    private static void CheckDuplicates(ParsedSection section, IReadOnlyList<VariantBlock> blocks,
        List<VariantProblem> problems)
    {
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var block in blocks)
        {
            if (!VariantSyntax.IsValidName(block.Name)) continue;
            if (firstLine.TryGetValue(block.Name, out var first))
            {
                var where = section.IsPreamble ? "the text before the first heading" : $"section '{section.Heading}'";
                problems.Add(new VariantProblem(block.OpenLine + 1,
                    $"{where} already has a variant named '{block.Name}' (line {first + 1}); variant names must " +
                    "be unique within a section."));
            }
            else
            {
                firstLine[block.Name] = block.OpenLine;
            }
        }
    }
}
