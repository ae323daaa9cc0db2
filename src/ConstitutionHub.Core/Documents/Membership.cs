using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Documents;

/// <summary>A role someone was invited to, or asked for, and is not yet theirs.</summary>
public sealed record PendingRole(string PersonName, DocumentRole Role);

/// <summary>
/// What deciding about roles needs to know about one constitution: its owner, visibility, edit restriction, members,
/// pending invitations and requests to join. Built by <see cref="Apply"/> from events, or read from the inline read
/// model that the same events built (<see cref="ConstitutionQueries.MembershipAsync"/>).
/// </summary>
public sealed record Membership(
    string OwnerId,
    Visibility Visibility,
    bool EditsRestricted,
    IReadOnlyDictionary<string, DocumentRole> Members,
    IReadOnlyDictionary<string, PendingRole> Invitations,
    IReadOnlyDictionary<string, PendingRole> Requests,
    long Version)
{
    public static readonly Membership Initial = new("", Visibility.Public, false, new Dictionary<string, DocumentRole>(),
        new Dictionary<string, PendingRole>(), new Dictionary<string, PendingRole>(), 0);

    /// <summary>The parts of a read-model row that decide roles; pending invitations and requests come from their own tables.</summary>
    public static Membership Of(ConstitutionRow row, IReadOnlyDictionary<string, PendingRole>? invitations = null,
        IReadOnlyDictionary<string, PendingRole>? requests = null) =>
        new(row.OwnerId, row.Visibility, row.EditsRestricted, row.Members, invitations ?? new Dictionary<string, PendingRole>(),
            requests ?? new Dictionary<string, PendingRole>(), row.StreamVersion);

    public DocumentRole? RoleOf(Actor? actor) => DocumentAccess.RoleOf(OwnerId, Visibility, EditsRestricted, Members, actor);

    public Membership Apply(object @event) => (@event switch
    {
        ConstitutionCreated e => this with { OwnerId = e.OwnerId, Visibility = e.Visibility },
        DetailsChanged e => this with { Visibility = e.Visibility },
        VisibilityChanged e => this with { Visibility = e.Visibility },
        EditingRestricted => this with { EditsRestricted = true },
        EditingOpened => this with { EditsRestricted = false },
        MemberRoleGranted e => this with { Members = With(Members, e.PersonId, e.Role) },
        MemberRoleChanged e => this with { Members = With(Members, e.PersonId, e.Role) },
        MemberRemoved e => this with { Members = Without(Members, e.PersonId) },
        MemberInvited e => this with { Invitations = With(Invitations, e.PersonId, new PendingRole(e.PersonName, e.Role)) },
        InvitationAccepted e => this with { Invitations = Without(Invitations, e.PersonId) },
        InvitationDeclined e => this with { Invitations = Without(Invitations, e.PersonId) },
        InvitationWithdrawn e => this with { Invitations = Without(Invitations, e.PersonId) },
        JoinRequested e => this with { Requests = With(Requests, e.PersonId, new PendingRole(e.PersonName, e.Role)) },
        JoinApproved e => this with { Requests = Without(Requests, e.PersonId) },
        JoinRefused e => this with { Requests = Without(Requests, e.PersonId) },
        OwnershipTransferred e => this with
        {
            OwnerId = e.PersonId, Members = With(Without(Members, e.PersonId), e.PreviousOwnerId, DocumentRole.Maintainer),
        },
        _ => this,
    }) with { Version = Version + 1 };

    public static Membership From(IEnumerable<object> events) => events.Aggregate(Initial, (m, e) => m.Apply(e));

    private static Dictionary<string, T> With<T>(IReadOnlyDictionary<string, T> map, string key, T value) => new(map) { [key] = value };

    private static Dictionary<string, T> Without<T>(IReadOnlyDictionary<string, T> map, string key) =>
        map.Where(p => p.Key != key).ToDictionary();
}

/// <summary>
/// The rules about roles and visibility, as pure functions from state and request to events. Only maintainers and the
/// owner manage roles; nobody grants a role above their own; there is one owner, who can be neither removed nor
/// demoted; visibility and the edit restriction are the owner's. A request that changes nothing answers no events.
/// </summary>
public static class MembershipDecisions
{
    /// <summary>The strongest role a person may ask for: more than that is for a maintainer to offer.</summary>
    public const DocumentRole MaxRequestable = DocumentRole.Editor;

    public static object[] ChangeRole(Membership m, Actor actor, string personId, DocumentRole role)
    {
        var own = RequireManager(m, actor);
        NotTheOwner(m, personId, "The owner's role cannot change.");
        var current = m.Members.TryGetValue(personId, out var r) ? r : throw new NotFoundException("That person is not a member.");
        Within(own, current, "You cannot change the role of someone above you.");
        Grantable(own, role);
        return current == role ? [] : [new MemberRoleChanged(personId, role)];
    }

    /// <summary>Removes a member; members may also remove themselves (leave).</summary>
    public static object[] Remove(Membership m, Actor actor, string personId)
    {
        // The role check comes first, so that who is (not) a member shows only to those who manage them.
        DocumentRole? own = personId == actor.Id ? null : RequireManager(m, actor);
        NotTheOwner(m, personId, "The owner cannot be removed.");
        var current = m.Members.TryGetValue(personId, out var r) ? r : throw new NotFoundException("That person is not a member.");
        if (own is { } manager) Within(manager, current, "You cannot remove someone above you.");
        return [new MemberRemoved(personId)];
    }

    public static object[] Invite(Membership m, Actor actor, PersonRow person, DocumentRole role)
    {
        var own = RequireManager(m, actor);
        Grantable(own, role);
        if (person.Id == m.OwnerId) throw new ConflictException($"@{person.Handle} owns this constitution.");
        if (m.Members.ContainsKey(person.Id)) throw new ConflictException($"@{person.Handle} is already a member: change their role instead.");
        if (m.Invitations.ContainsKey(person.Id)) throw new ConflictException($"@{person.Handle} is already invited.");
        if (m.Requests.ContainsKey(person.Id)) throw new ConflictException($"@{person.Handle} asked to join: approve their request instead.");
        return [new MemberInvited(person.Id, person.DisplayName, role)];
    }

    public static object[] Withdraw(Membership m, Actor actor, string personId)
    {
        RequireManager(m, actor);
        return m.Invitations.ContainsKey(personId) ? [new InvitationWithdrawn(personId)] : throw new NotFoundException("There is no such invitation.");
    }

    /// <summary>The invited person takes the role they were offered.</summary>
    public static object[] Accept(Membership m, Actor actor)
    {
        var invitation = m.Invitations.GetValueOrDefault(actor.Id) ?? throw new NotFoundException("You have no invitation to this constitution.");
        return [new InvitationAccepted(actor.Id), new MemberRoleGranted(actor.Id, actor.Name, invitation.Role)];
    }

    public static object[] Decline(Membership m, Actor actor) =>
        m.Invitations.ContainsKey(actor.Id) ? [new InvitationDeclined(actor.Id)] : throw new NotFoundException("You have no invitation to this constitution.");

    /// <summary>A signed-in person asks for a role they do not have; on a public, unrestricted constitution they can
    /// already edit, so there is nothing to ask for.</summary>
    public static object[] RequestJoin(Membership m, Actor actor, DocumentRole role)
    {
        if (role is < DocumentRole.Viewer or > MaxRequestable)
            throw new ValidationException("role", "Ask for viewer, commenter or editor; a maintainer may give you more.");
        if (actor.Id == m.OwnerId || m.Members.ContainsKey(actor.Id)) throw new ConflictException("You are already a member.");
        if (m.Invitations.ContainsKey(actor.Id)) throw new ConflictException("You are invited already: accept the invitation.");
        if (m.Requests.ContainsKey(actor.Id)) throw new ConflictException("You have asked already; a maintainer will answer.");
        if (m.RoleOf(actor) >= role) throw new ConflictException($"You can already act as {role.ToString().ToLowerInvariant()} here.");
        return [new JoinRequested(actor.Id, actor.Name, role)];
    }

    /// <summary>Approves a request with the role asked for, or the weaker <paramref name="role"/> given.</summary>
    public static object[] Approve(Membership m, Actor actor, string personId, DocumentRole? role = null)
    {
        var own = RequireManager(m, actor);
        var request = m.Requests.GetValueOrDefault(personId) ?? throw new NotFoundException("There is no such request.");
        var granted = role ?? request.Role;
        Grantable(own, granted);
        return [new JoinApproved(personId), new MemberRoleGranted(personId, request.PersonName, granted)];
    }

    public static object[] Refuse(Membership m, Actor actor, string personId)
    {
        RequireManager(m, actor);
        return m.Requests.ContainsKey(personId) ? [new JoinRefused(personId)] : throw new NotFoundException("There is no such request.");
    }

    /// <summary>Hands the constitution to one of its members; there is always exactly one owner.</summary>
    public static object[] TransferOwnership(Membership m, Actor actor, PersonRow person)
    {
        RequireOwner(m, actor, "Only the owner hands the constitution on.");
        if (person.Id == m.OwnerId) throw new ConflictException($"@{person.Handle} owns it already.");
        if (!m.Members.ContainsKey(person.Id)) throw new NotFoundException($"@{person.Handle} is not a member: invite them first.");
        return [new OwnershipTransferred(person.Id, person.DisplayName, m.OwnerId)];
    }

    public static object[] RestrictEdits(Membership m, Actor actor, bool restricted)
    {
        RequireOwner(m, actor, "Only the owner restricts who may edit.");
        if (restricted == m.EditsRestricted) return [];
        return restricted ? [new EditingRestricted()] : [new EditingOpened()];
    }

    public static object[] ChangeVisibility(Membership m, Actor actor, Visibility visibility)
    {
        RequireOwner(m, actor, "Only the owner changes who sees this constitution.");
        if (!Enum.IsDefined(visibility)) throw new ValidationException("visibility", "visibility is one of public, unlisted, private.");
        return visibility == m.Visibility ? [] : [new VisibilityChanged(visibility)];
    }

    private static DocumentRole RequireManager(Membership m, Actor actor) =>
        m.RoleOf(actor) is { } own && own >= DocumentRole.Maintainer ? own : throw new ForbiddenException("Only maintainers and the owner manage roles.");

    private static void RequireOwner(Membership m, Actor actor, string message)
    {
        if (m.RoleOf(actor) != DocumentRole.Owner) throw new ForbiddenException(message);
    }

    private static void NotTheOwner(Membership m, string personId, string message)
    {
        if (personId == m.OwnerId) throw new ValidationException("person", message);
    }

    private static void Grantable(DocumentRole own, DocumentRole role)
    {
        if (!Enum.IsDefined(role)) throw new ValidationException("role", "role is one of viewer, commenter, editor, maintainer.");
        if (role == DocumentRole.Owner) throw new ValidationException("role", "There is one owner; the owner role is not given to members.");
        Within(own, role, $"You cannot give a role above your own ({own.ToString().ToLowerInvariant()}).");
    }

    private static void Within(DocumentRole own, DocumentRole other, string message)
    {
        if (other > own) throw new ForbiddenException(message);
    }

    /// <summary>Role names as the API and pages write them (any case): only the four a member can hold.</summary>
    public static bool TryParseRole(string? text, out DocumentRole role)
    {
        role = DocumentRole.Viewer;
        var found = Enum.GetValues<DocumentRole>().Where(r => r != DocumentRole.Owner && string.Equals(r.ToString(), text, StringComparison.OrdinalIgnoreCase))
            .ToList();
        if (found.Count != 1) return false;
        role = found[0];
        return true;
    }
}
