using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Core.Documents;

public enum Visibility
{
    /// <summary>Listed and searchable; any signed-in person may edit (a wiki).</summary>
    Public,
    /// <summary>Readable by anyone with the link, not listed; signed-in people may edit.</summary>
    Unlisted,
    /// <summary>Only its owner and its members read it; what they may do follows their role.</summary>
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

/// <summary>Who sees the constitution changed (owner only). Older streams carry visibility in <see cref="DetailsChanged"/>.</summary>
public sealed record VisibilityChanged(Visibility Visibility);

/// <summary>Only members with the editor role or higher may edit from now on, even when the constitution is public.</summary>
public sealed record EditingRestricted;

/// <summary>Signed-in people may edit again as in a wiki (public and unlisted constitutions).</summary>
public sealed record EditingOpened;

/// <summary>A maintainer or the owner gave a person a role. <paramref name="PersonName"/> is their name at the time, for lists.</summary>
public sealed record MemberRoleGranted(string PersonId, string PersonName, DocumentRole Role);

public sealed record MemberRoleChanged(string PersonId, DocumentRole Role);

/// <summary>A member was removed, or left.</summary>
public sealed record MemberRemoved(string PersonId);

/// <summary>A person was invited by handle; they become a member only when they accept.</summary>
public sealed record MemberInvited(string PersonId, string PersonName, DocumentRole Role);

/// <summary>The invited person accepted; the role itself follows as <see cref="MemberRoleGranted"/>.</summary>
public sealed record InvitationAccepted(string PersonId);

public sealed record InvitationDeclined(string PersonId);

/// <summary>A maintainer took an invitation back before it was answered.</summary>
public sealed record InvitationWithdrawn(string PersonId);

/// <summary>A signed-in person who is not a member asked for a role.</summary>
public sealed record JoinRequested(string PersonId, string PersonName, DocumentRole Role);

/// <summary>A maintainer approved a request to join; the role itself follows as <see cref="MemberRoleGranted"/>.</summary>
public sealed record JoinApproved(string PersonId);

public sealed record JoinRefused(string PersonId);

/// <summary>The owner handed the constitution to a member, who leaves the member list as its owner; the previous owner
/// stays on as maintainer.</summary>
public sealed record OwnershipTransferred(string PersonId, string PersonName, string PreviousOwnerId);

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
        (typeof(VisibilityChanged), "visibility_changed"),
        (typeof(EditingRestricted), "edits_restricted"),
        (typeof(EditingOpened), "edits_opened"),
        (typeof(MemberRoleGranted), "member_role_granted"),
        (typeof(MemberRoleChanged), "member_role_changed"),
        (typeof(MemberRemoved), "member_removed"),
        (typeof(MemberInvited), "member_invited"),
        (typeof(InvitationAccepted), "invitation_accepted"),
        (typeof(InvitationDeclined), "invitation_declined"),
        (typeof(InvitationWithdrawn), "invitation_withdrawn"),
        (typeof(JoinRequested), "join_requested"),
        (typeof(JoinApproved), "join_approved"),
        (typeof(JoinRefused), "join_refused"),
        (typeof(OwnershipTransferred), "ownership_transferred"),
    ];
}
