namespace ConstitutionHub.Core.Annotations.Anchoring;

/// <summary>
/// Where an annotation points, after the W3C Web Annotation model: a section (by its stable id), a
/// TextQuoteSelector (<see cref="Exact"/> with up to <see cref="ContextLength"/> characters of
/// <see cref="Prefix"/> and <see cref="Suffix"/>) and a TextPositionSelector (<see cref="Start"/>, <see cref="End"/>),
/// both over the section's reading text (<see cref="ReadingText"/>) of one revision.
/// </summary>
public sealed record TextAnchor(string SectionId, string Exact, string Prefix, string Suffix, int Start, int End)
{
    /// <summary>Characters of context kept on each side (what Hypothesis keeps).</summary>
    public const int ContextLength = 32;

    /// <summary>Longest quote we accept: a paragraph or a few, not a whole document.</summary>
    public const int MaxQuoteLength = 4000;

    /// <summary>The anchor of <c>text[start..end]</c> in <paramref name="section"/>.</summary>
    public static TextAnchor At(SectionText section, int start, int end)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (start < 0 || end > section.Text.Length || start >= end)
            throw new ArgumentOutOfRangeException(nameof(start), $"[{start}, {end}) is not a range inside a text of {section.Text.Length} characters.");
        var text = section.Text;
        return new TextAnchor(section.Id, text[start..end],
            text[Math.Max(0, start - ContextLength)..start], text[end..Math.Min(text.Length, end + ContextLength)], start, end);
    }

    /// <summary>The anchor of one occurrence of <paramref name="exact"/> in the section, chosen by the position the
    /// reader selected it at (<paramref name="near"/>), or null when the section does not contain the quote.</summary>
    public static TextAnchor? Find(SectionText section, string exact, int near)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (string.IsNullOrEmpty(exact)) return null;
        var best = -1;
        for (var at = section.Text.IndexOf(exact, StringComparison.Ordinal); at >= 0;
             at = section.Text.IndexOf(exact, at + 1, StringComparison.Ordinal))
        {
            if (best < 0 || Math.Abs(at - near) < Math.Abs(best - near)) best = at;
        }
        return best < 0 ? null : At(section, best, best + exact.Length);
    }
}

/// <summary>One section of one revision as anchors see it: its stable id and its reading text.</summary>
public sealed record SectionText(string Id, string Heading, string Text);

/// <summary>The sections of one revision, in order, as anchors see them.</summary>
public sealed class AnchorDocument
{
    private readonly Dictionary<string, int> _indexOf;

    public AnchorDocument(IReadOnlyList<SectionText> sections)
    {
        Sections = sections;
        _indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < sections.Count; i++) _indexOf[sections[i].Id] = i;
    }

    public IReadOnlyList<SectionText> Sections { get; }

    public SectionText? this[string sectionId] => _indexOf.TryGetValue(sectionId, out var i) ? Sections[i] : null;

    public int IndexOf(string sectionId) => _indexOf.TryGetValue(sectionId, out var i) ? i : -1;
}
