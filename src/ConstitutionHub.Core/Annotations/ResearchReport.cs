using System.Text;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Annotations;

/// <summary>One finding as the research report lists it.</summary>
public sealed record ReportedFinding(
    Guid Id, string Claim, string Quote, bool Orphan, string Behaviour, FindingDirection Direction, FindingStrength Strength,
    IReadOnlyList<string> Variants, FindingStatus Status, string? StatusReason, string? StatusBy, string Author, DateTimeOffset Created,
    int Supporting, int Contradicting, bool Stale, IReadOnlyList<string> StaleSections);

/// <summary>Findings about one section of the newest revision (or about text that is gone: <see cref="SectionId"/> null).</summary>
public sealed record ReportSection(string? SectionId, string Heading, IReadOnlyList<ReportedFinding> Findings);

/// <summary>The State of the research of one constitution: its findings grouped by section, then by behaviour.</summary>
public sealed record ResearchReport(string Slug, string Title, int Revision, IReadOnlyList<ReportSection> Sections)
{
    public int Count => Sections.Sum(s => s.Findings.Count);

    /// <summary>Builds the report from the constitution's findings where they are now and its newest sections,
    /// keeping those that pass the filters (null: any).</summary>
    public static ResearchReport Build(ConstitutionRow constitution, IReadOnlyList<SectionInfo> head, IEnumerable<AnnotationView> findings,
        FindingStatus? status = null, FindingStrength? strength = null)
    {
        var reported = findings
            .Where(f => f.Row.Kind == AnnotationKind.Finding && f.Row.Finding is not null && !f.Row.Deleted)
            .Where(f => status is null || f.Row.Status == status)
            .Where(f => strength is null || f.Row.Finding!.Strength == strength)
            .Select(f => (f.Anchor?.SectionId, Finding: Report(f, head)))
            .ToList();
        var sections = head
            .Select(s => new ReportSection(s.Id, s.Heading.Length == 0 ? "(preamble)" : s.Heading,
                Order(reported.Where(r => r.SectionId == s.Id).Select(r => r.Finding))))
            .Where(s => s.Findings.Count > 0)
            .ToList();
        var gone = Order(reported.Where(r => r.SectionId is null || head.All(s => s.Id != r.SectionId)).Select(r => r.Finding));
        if (gone.Count > 0) sections.Add(new ReportSection(null, "Text no longer in the document", gone));
        return new ResearchReport(constitution.Slug, constitution.Title, constitution.HeadRevision, sections);
    }

    private static IReadOnlyList<ReportedFinding> Order(IEnumerable<ReportedFinding> findings) =>
        findings.OrderBy(f => f.Behaviour, StringComparer.OrdinalIgnoreCase).ThenByDescending(f => f.Created).ToArray();

    private static ReportedFinding Report(AnnotationView f, IReadOnlyList<SectionInfo> head)
    {
        var claim = f.Row.Finding!;
        var stale = FindingStaleness.ChangedSections(f.Row.BasisHashes, head);
        return new ReportedFinding(f.Row.Id, f.Opening.Deleted ? "" : f.Opening.Body, f.Anchor?.Exact ?? f.Row.Original.Exact, f.IsOrphan,
            claim.Behaviour, claim.Direction, claim.Strength, claim.Variants, f.Row.Status ?? FindingStatus.Proposed, f.Row.StatusReason,
            f.Row.StatusByName, f.Row.AuthorName, f.Row.Created, f.Evidence.Count(e => e.Relation == EvidenceRelation.Supports),
            f.Evidence.Count(e => e.Relation == EvidenceRelation.Contradicts), stale.Count > 0, stale);
    }

    /// <summary>The annotated living document in Markdown, readable outside the app: per section, per behaviour.</summary>
    public string ToMarkdown(string baseUrl = "")
    {
        var md = new StringBuilder();
        md.Append("# State of the research: ").AppendLine(OneLine(Title)).AppendLine();
        md.AppendLine($"{Count} finding(s) on revision {Revision} of `{Slug}`.").AppendLine();
        foreach (var section in Sections)
        {
            md.Append("## ").AppendLine(OneLine(section.Heading)).AppendLine();
            foreach (var behaviour in section.Findings.GroupBy(f => f.Behaviour, StringComparer.OrdinalIgnoreCase))
            {
                md.Append("### ").AppendLine(OneLine(behaviour.Key)).AppendLine();
                foreach (var f in behaviour)
                {
                    md.Append($"- **{f.Status.ToString().ToLowerInvariant()}**, {Words(f.Direction)}, {Words(f.Strength)}");
                    if (f.Variants.Count > 0) md.Append($", variant {string.Join(", ", f.Variants)}");
                    md.Append($" ({f.Supporting} supporting, {f.Contradicting} contradicting)");
                    if (f.Stale) md.Append(" — *evidence predates the current text*");
                    md.AppendLine();
                    md.Append("  > ").AppendLine(OneLine(f.Quote));
                    if (f.Claim.Length > 0) md.Append("  ").AppendLine(OneLine(f.Claim));
                    md.AppendLine($"  — {OneLine(f.Author)}, {f.Created:yyyy-MM-dd} · {baseUrl}/c/{Slug}?annotation={f.Id}");
                }
                md.AppendLine();
            }
        }
        return md.ToString();
    }

    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\n', '\r'], StringSplitOptions.RemoveEmptyEntries));

    private static string Words(FindingDirection d) => d switch { FindingDirection.Helps => "helps", FindingDirection.Hurts => "hurts", _ => "no effect" };

    private static string Words(FindingStrength s) => s switch { FindingStrength.Anecdote => "anecdote", FindingStrength.SmallTest => "small test", _ => "experiment" };
}
