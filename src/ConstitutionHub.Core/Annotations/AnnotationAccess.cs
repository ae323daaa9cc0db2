using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Annotations;

/// <summary>
/// Who may read and write annotations of one constitution: the one place every page, API call and command asks.
/// Readers of the document read its annotations (a private document's stay private); until roles per document
/// exist, whoever may edit the document may annotate it (signed-in people on public documents, the owner on a
/// private one), and its manager (the owner) may delete others' comments.
/// </summary>
public static class AnnotationAccess
{
    public static bool CanRead(ConstitutionRow c, Actor? viewer) => DocumentAccess.CanRead(c, viewer);

    public static bool CanAnnotate(ConstitutionRow c, Actor? viewer) => DocumentAccess.CanEdit(c, viewer);

    public static bool CanModerate(ConstitutionRow c, Actor? viewer) => DocumentAccess.CanManage(c, viewer);

    public static ConstitutionRow EnsureAnnotate(ConstitutionRow? c, Actor? viewer)
    {
        c = DocumentAccess.EnsureRead(c, viewer);
        return CanAnnotate(c, viewer) ? c : throw new ForbiddenException(viewer is null ? "Sign in to annotate." : "You cannot annotate this constitution.");
    }
}
