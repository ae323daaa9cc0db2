using System.Text;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>Which variant to use per section: section id -> variant name, or "-" to leave the section out.
/// Sections the recipe does not mention get their default variant.</summary>
public sealed record Recipe(IReadOnlyDictionary<string, string> Choices)
{
    /// <summary>Every section with its default variant.</summary>
    public static Recipe Default { get; } = new(new Dictionary<string, string>());
}

/// <summary>What a compiled prompt used for one section.</summary>
/// <param name="Variant">The variant used; null when the section has no variants; "-" when it was left out.</param>
public sealed record RecipeChoice(string SectionId, string Heading, string? Variant)
{
    public bool IsOmitted => Variant == VariantSyntax.OmitChoice;
}

/// <param name="Text">The exact system prompt: LF line endings, ending with one LF (empty if every section was left out).</param>
/// <param name="Hash">"sha256:" + lowercase hex of the UTF-8 bytes of <paramref name="Text"/>.</param>
/// <param name="Choices">One entry per section of the document, in document order.</param>
public sealed record CompiledPrompt(string Text, string Hash, IReadOnlyList<RecipeChoice> Choices);

/// <summary>Turns a document and a recipe into the exact system prompt text.</summary>
public static class PromptCompiler
{
    /// <summary>
    /// The document with each section's chosen variant inlined (its <c>:::</c> fences removed), the other
    /// variants dropped and "-" sections left out. Blank lines left around a removed block are collapsed to
    /// one; everything else is kept as written.
    /// </summary>
    /// <param name="sections">The section ids of this exact revision (from <see cref="SectionIdentity.Assign"/>).</param>
    /// <exception cref="VariantSyntaxException">The document's variant blocks are malformed.</exception>
    /// <exception cref="ArgumentException">The sections belong to another revision, or the recipe names an unknown section or variant.</exception>
    public static CompiledPrompt Compile(string markdown, IReadOnlyList<SectionInfo> sections, Recipe recipe)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentNullException.ThrowIfNull(recipe);
        ArgumentNullException.ThrowIfNull(recipe.Choices, nameof(recipe));

        var structure = DocumentStructure.Analyse(markdown);
        var problems = VariantValidator.Validate(structure);
        if (problems.Count > 0) throw new VariantSyntaxException(problems);
        CheckSectionsDescribe(structure.Sections, sections);
        var choices = ResolveChoices(structure.Sections, sections, recipe);

        var output = new PromptBuilder();
        for (var i = 0; i < structure.Sections.Count; i++)
        {
            if (choices[i].IsOmitted)
            {
                output.Seam();
                continue;
            }
            AppendSection(output, structure.Lines, structure.Sections[i], structure.VariantBlocks[i], choices[i].Variant);
        }
        var text = output.Build();
        return new CompiledPrompt(text, TextLines.Sha256(text), choices);
    }

    private static void AppendSection(PromptBuilder output, TextLines lines, ParsedSection section,
        IReadOnlyList<VariantBlock> blocks, string? chosen)
    {
        var line = section.StartLine;
        foreach (var block in blocks)
        {
            while (line < block.OpenLine) output.Add(lines.Line(line++));
            output.Seam();
            if (block.Name == chosen)
            {
                for (var body = block.BodyStartLine; body < block.BodyEndLine; body++) output.Add(lines.Line(body));
                output.Seam();
            }
            line = block.EndLine;
        }
        while (line < section.EndLine) output.Add(lines.Line(line++));
    }

    private static void CheckSectionsDescribe(IReadOnlyList<ParsedSection> parsed, IReadOnlyList<SectionInfo> sections)
    {
        if (parsed.Count != sections.Count)
        {
            throw new ArgumentException(
                $"The section list has {sections.Count} sections but the document has {parsed.Count}; " +
                "pass the sections of this exact revision.", nameof(sections));
        }
        for (var i = 0; i < parsed.Count; i++)
        {
            var info = sections[i];
            var hashDiffers = info.ContentHash.Length > 0 && info.ContentHash != TextLines.Sha256(parsed[i].Text);
            if (info.Ordinal != i || info.Heading != parsed[i].Heading || info.Level != parsed[i].Level || hashDiffers)
            {
                throw new ArgumentException(
                    $"Section {i + 1} of the document is '{parsed[i].Heading}' but the section list has " +
                    $"'{info.Heading}' (id {info.Id}, ordinal {info.Ordinal}) there, or different text; " +
                    "pass the sections of this exact revision.", nameof(sections));
            }
        }
    }

    private static RecipeChoice[] ResolveChoices(IReadOnlyList<ParsedSection> parsed, IReadOnlyList<SectionInfo> sections, Recipe recipe)
    {
        var errors = new List<string>();
        var byId = sections.Select((s, i) => (s.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        foreach (var (id, variant) in recipe.Choices.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            if (!byId.TryGetValue(id, out var index))
            {
                errors.Add($"the recipe chooses '{variant}' for section id '{id}', which is not in this revision");
                continue;
            }
            var names = parsed[index].VariantNames;
            if (variant != VariantSyntax.OmitChoice && !names.Contains(variant))
            {
                var available = names.Count == 0
                    ? "it has no variants (only '-' to leave it out is possible)"
                    : "its variants are " + string.Join(", ", names.Select(n => $"'{n}'")) + ", or '-' to leave it out";
                errors.Add($"the recipe chooses variant '{variant}' for section '{parsed[index].Heading}' (id {id}), but {available}");
            }
        }
        if (errors.Count > 0)
        {
            throw new ArgumentException("The recipe does not fit this revision: " + string.Join("; ", errors) + ".", nameof(recipe));
        }

        return sections.Select((info, i) =>
        {
            var variant = recipe.Choices.TryGetValue(info.Id, out var chosen) ? chosen : parsed[i].DefaultVariant;
            return new RecipeChoice(info.Id, parsed[i].Heading, variant);
        }).ToArray();
    }

    /// <summary>
    /// Collects output lines. After a seam (a removed block, fence or section) blank lines that would double an
    /// existing blank line are dropped, so leaving out a variant does not leave a hole of several blank lines.
    /// </summary>
    private sealed class PromptBuilder
    {
        private readonly List<string> lines = [];
        private bool atSeam = true;

        public void Seam() => atSeam = true;

        public void Add(string line)
        {
            if (TextLines.IsBlank(line))
            {
                if (atSeam && (this.lines.Count == 0 || TextLines.IsBlank(this.lines[^1]))) return;
            }
            else
            {
                atSeam = false;
            }
            this.lines.Add(line);
        }

        public string Build()
        {
            var count = this.lines.Count;
            while (count > 0 && TextLines.IsBlank(this.lines[count - 1])) count--;
            if (count == 0) return "";
            var builder = new StringBuilder();
            for (var i = 0; i < count; i++) builder.Append(this.lines[i]).Append('\n');
            return builder.ToString();
        }
    }
}
