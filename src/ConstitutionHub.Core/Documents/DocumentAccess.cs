using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Documents;

/// <summary>
/// Who may read and edit one constitution. Every page, API call and hub method asks here on the server.
/// Roles per document (owner / editor / viewer from an identity provider) will extend these two questions.
/// </summary>
public static class DocumentAccess
{
    public static bool CanRead(ConstitutionRow c, Actor? viewer) =>
        c.Visibility != Visibility.Private || (viewer is not null && viewer.Id == c.OwnerId);

    public static bool CanEdit(ConstitutionRow c, Actor? viewer) =>
        viewer is not null && (c.Visibility != Visibility.Private || viewer.Id == c.OwnerId);

    public static bool CanManage(ConstitutionRow c, Actor? viewer) => viewer is not null && viewer.Id == c.OwnerId;

    /// <summary>A private document answers like a missing one, so its existence does not leak.</summary>
    public static ConstitutionRow EnsureRead(ConstitutionRow? c, Actor? viewer) =>
        c is not null && CanRead(c, viewer) ? c : throw new NotFoundException("No such constitution.");

    public static ConstitutionRow EnsureEdit(ConstitutionRow? c, Actor? viewer)
    {
        c = EnsureRead(c, viewer);
        return CanEdit(c, viewer) ? c : throw new ForbiddenException(viewer is null ? "Sign in to edit." : "You cannot edit this constitution.");
    }
}
