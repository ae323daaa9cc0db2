using ConstitutionHub.Core.Annotations.Anchoring;

namespace ConstitutionHub.Core.Annotations;

public enum AnnotationKind
{
    Comment,
    Question,
    Finding,
}

/// <summary>
/// Created on a text selection of one revision. <paramref name="SectionHashes"/>: the content hash of every section of
/// that revision the annotation is about (its anchor's and, for a finding, the claim's), the basis stale detection
/// compares the newest text with.
/// </summary>
public sealed record AnnotationCreated(
    Guid AnnotationId,
    Guid ConstitutionId,
    int Revision,
    AnnotationKind Kind,
    TextAnchor Anchor,
    string Body,
    IReadOnlyList<string> Mentions,
    FindingClaim? Finding,
    IReadOnlyDictionary<string, string> SectionHashes);

/// <summary>The anchor carried onto a newer revision; <paramref name="Anchor"/> null: the text is gone there (orphan).</summary>
public sealed record AnchorCarried(int Revision, TextAnchor? Anchor, AnchorOutcome Outcome, AnchorMethod Method);

public sealed record ReplyPosted(Guid ReplyId, string Body, IReadOnlyList<string> Mentions);

/// <summary>A comment's new text; the earlier texts stay in the stream (the edit history).
/// <paramref name="CommentId"/> is the annotation id for its opening comment.</summary>
public sealed record CommentEdited(Guid CommentId, string Body, IReadOnlyList<string> Mentions);

/// <summary>Shown as "deleted" in its thread: the text is no longer shown, the event and its predecessors remain.</summary>
public sealed record CommentDeleted(Guid CommentId);

public sealed record ThreadResolved;

public sealed record ThreadReopened;

public sealed record FindingStatusChanged(FindingStatus Status, string Reason);

public sealed record EvidenceAdded(EvidenceLink Evidence);

/// <summary>Someone checked the finding against the text of <paramref name="Revision"/>: the new basis for stale detection.</summary>
public sealed record FindingReconfirmed(int Revision, IReadOnlyDictionary<string, string> SectionHashes, string Note);

public static class AnnotationStream
{
    public const string Type = "annotation";

    public static string Id(Guid annotationId) => $"annotation-{annotationId:N}";

    public static Guid IdOf(string streamId) => Guid.ParseExact(streamId.AsSpan("annotation-".Length), "N");

    /// <summary>The stable name stored with each event (never the CLR name).</summary>
    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(AnnotationCreated), "annotation_created"),
        (typeof(AnchorCarried), "annotation_anchor_carried"),
        (typeof(ReplyPosted), "annotation_reply_posted"),
        (typeof(CommentEdited), "annotation_comment_edited"),
        (typeof(CommentDeleted), "annotation_comment_deleted"),
        (typeof(ThreadResolved), "annotation_thread_resolved"),
        (typeof(ThreadReopened), "annotation_thread_reopened"),
        (typeof(FindingStatusChanged), "finding_status_changed"),
        (typeof(EvidenceAdded), "finding_evidence_added"),
        (typeof(FindingReconfirmed), "finding_reconfirmed"),
    ];
}
