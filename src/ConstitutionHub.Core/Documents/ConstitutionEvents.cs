using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Documents;

public enum Visibility
{
    /// <summary>Listed and searchable; any signed-in person may edit (a wiki).</summary>
    Public,
    /// <summary>Readable by anyone with the link, not listed; signed-in people may edit.</summary>
    Unlisted,
    /// <summary>Only its owner reads and edits it.</summary>
    Private,
}

public sealed record ForkOrigin(Guid ConstitutionId, string Slug, int Revision);

public sealed record ConstitutionCreated(
    Guid ConstitutionId, string Slug, string Title, string Summary, Visibility Visibility, string OwnerId, ForkOrigin? ForkedFrom);

public sealed record RevisionCommitted(
    int Number,
    string Markdown,
    string Summary,
    IReadOnlyList<SectionInfo> Sections,
    int BaseRevision,
    int? RestoredFrom = null,
    bool Merged = false);

public sealed record DetailsChanged(string Title, string Summary, Visibility Visibility);

public sealed record LabelMoved(string Label, int Revision);

public sealed record LabelRemoved(string Label);

public static class ConstitutionStream
{
    public const string Type = "constitution";

    public static string Id(Guid constitutionId) => $"constitution-{constitutionId:N}";

    /// <summary>The stable name stored with each event (never the CLR name, so records can be renamed or moved).</summary>
    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(ConstitutionCreated), "constitution_created"),
        (typeof(RevisionCommitted), "revision_committed"),
        (typeof(DetailsChanged), "details_changed"),
        (typeof(LabelMoved), "label_moved"),
        (typeof(LabelRemoved), "label_removed"),
    ];
}
