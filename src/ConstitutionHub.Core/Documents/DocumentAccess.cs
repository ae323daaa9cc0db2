using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Documents;

/// <summary>A person's role on one constitution, weakest first: each role may do everything the ones before it may.</summary>
public enum DocumentRole
{
    /// <summary>Reads the constitution, its history and its chats.</summary>
    Viewer = 1,
    /// <summary>Also annotates and comments.</summary>
    Commenter = 2,
    /// <summary>Also saves revisions and moves labels other than protected ones.</summary>
    Editor = 3,
    /// <summary>Also moves protected labels (such as <c>published</c>) and manages roles.</summary>
    Maintainer = 4,
    /// <summary>Also changes visibility; there is one owner, the creator until they hand it on.</summary>
    Owner = 5,
}

/// <summary>
/// Who may do what on one constitution. Every page, API call, hub method and command asks here, on the server.
/// The answer depends on the person's own role (<see cref="ConstitutionRow.Members"/>, the owner, site admins) and on
/// the constitution's visibility: public and unlisted ones are readable by anyone and, as a wiki, editable by
/// anyone signed in unless the owner restricts edits to members (<see cref="ConstitutionRow.EditsRestricted"/>);
/// private ones only by their members.
/// </summary>
public static class DocumentAccess
{
    /// <summary>The role <paramref name="viewer"/> acts with on <paramref name="c"/>, or null when they may not even read it.</summary>
    public static DocumentRole? RoleOf(ConstitutionRow c, Actor? viewer) => RoleOf(c.OwnerId, c.Visibility, c.EditsRestricted, c.Members, viewer);

    /// <summary>The same rule over the parts of a constitution that decide it, for command handling that holds no row.</summary>
    public static DocumentRole? RoleOf(string ownerId, Visibility visibility, bool editsRestricted, IReadOnlyDictionary<string, DocumentRole> members,
        Actor? viewer)
    {
        if (viewer is not null)
        {
            // Site admins act as owners everywhere: they answer for the whole site.
            if (viewer.IsAdmin || viewer.Id == ownerId) return DocumentRole.Owner;
            if (members.TryGetValue(viewer.Id, out var member)) return member;
        }
        return visibility switch
        {
            Visibility.Private => null,
            _ when viewer is null => DocumentRole.Viewer,
            _ when editsRestricted => DocumentRole.Commenter,
            _ => DocumentRole.Editor,
        };
    }

    public static bool CanRead(ConstitutionRow c, Actor? viewer) => RoleOf(c, viewer) is not null;

    /// <summary>Annotate and comment: commenters and up.</summary>
    public static bool CanComment(ConstitutionRow c, Actor? viewer) => viewer is not null && RoleOf(c, viewer) >= DocumentRole.Commenter;

    /// <summary>Save revisions, restore, move unprotected labels: editors and up.</summary>
    public static bool CanEdit(ConstitutionRow c, Actor? viewer) => viewer is not null && RoleOf(c, viewer) >= DocumentRole.Editor;

    /// <summary>Manage roles, invitations and join requests, move protected labels: maintainers and up.</summary>
    public static bool CanManage(ConstitutionRow c, Actor? viewer) => viewer is not null && RoleOf(c, viewer) >= DocumentRole.Maintainer;

    /// <summary>Change visibility and whether edits are restricted: the owner (and site admins).</summary>
    public static bool CanChangeVisibility(ConstitutionRow c, Actor? viewer) => viewer is not null && RoleOf(c, viewer) == DocumentRole.Owner;

    /// <summary>Only the three names (any case): <c>Enum.TryParse</c> would also take "99" or "1" and store a value no
    /// check knows.</summary>
    public static bool TryParseVisibility(string? text, out Visibility visibility)
    {
        visibility = Visibility.Public;
        var found = Enum.GetValues<Visibility>().Where(v => string.Equals(v.ToString(), text, StringComparison.OrdinalIgnoreCase)).ToList();
        if (found.Count != 1) return false;
        visibility = found[0];
        return true;
    }

    /// <summary>A private document answers like a missing one, so its existence does not leak.</summary>
    public static ConstitutionRow EnsureRead(ConstitutionRow? c, Actor? viewer) =>
        c is not null && CanRead(c, viewer) ? c : throw new NotFoundException("No such constitution.");

    public static ConstitutionRow EnsureComment(ConstitutionRow? c, Actor? viewer)
    {
        c = EnsureRead(c, viewer);
        return CanComment(c, viewer) ? c : throw new ForbiddenException(viewer is null ? "Sign in to comment." : "You cannot comment on this constitution.");
    }

    public static ConstitutionRow EnsureEdit(ConstitutionRow? c, Actor? viewer)
    {
        c = EnsureRead(c, viewer);
        return CanEdit(c, viewer) ? c : throw new ForbiddenException(viewer is null ? "Sign in to edit." : "You cannot edit this constitution.");
    }

    public static ConstitutionRow EnsureManage(ConstitutionRow? c, Actor? viewer)
    {
        c = EnsureRead(c, viewer);
        return CanManage(c, viewer) ? c : throw new ForbiddenException(viewer is null ? "Sign in to manage roles." : "Only maintainers and the owner manage roles.");
    }
}
