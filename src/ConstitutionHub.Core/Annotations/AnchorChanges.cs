using ConstitutionHub.Core.Annotations.Anchoring;

namespace ConstitutionHub.Core.Annotations;

/// <summary>What happened to a thread's anchor between two revisions, from the least to the most a reader should check.</summary>
public enum AnchorChange
{
    /// <summary>Same section and quote, another position (text was added or removed before it).</summary>
    Shifted,

    /// <summary>The same quote in another section.</summary>
    Moved,

    /// <summary>Found by a fuzzy match on the way, or the quote now reads differently: the text under it was reworded.</summary>
    Changed,

    /// <summary>Its text is gone in the newer revision.</summary>
    Orphaned,

    /// <summary>An orphan in the older revision whose text is back in the newer one (a restore, say).</summary>
    Found,
}

/// <summary>One thread whose anchor changed between two revisions, with where it was and where it is.</summary>
public sealed record ReanchoredRow(Guid Id, AnnotationKind Kind, string AuthorName, AnchorChange Change, TextAnchor? Before, TextAnchor? After,
    AnchorMethod Method, TextAnchor Original);

public static class AnchorChanges
{
    /// <summary>
    /// The change between the anchor on the older revision and on the newer one (null for either: an orphan there), from
    /// what re-anchoring stored for each revision; <paramref name="fuzzyOnTheWay"/>: some step between them needed the
    /// fuzzy match. Null when nothing a reader would notice changed.
    /// </summary>
    public static AnchorChange? Between(TextAnchor? before, TextAnchor? after, bool fuzzyOnTheWay) => (before, after) switch
    {
        (null, null) => null,
        (null, _) => AnchorChange.Found,
        (_, null) => AnchorChange.Orphaned,
        _ when fuzzyOnTheWay || before.Exact != after.Exact => AnchorChange.Changed,
        _ when before.SectionId != after.SectionId => AnchorChange.Moved,
        _ when before.Start != after.Start => AnchorChange.Shifted,
        _ => null,
    };
}
