using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;

namespace ConstitutionHub.Core.Documents;

/// <summary>
/// The write side of roles, invitations and requests to join: loads <see cref="Membership"/> from the read model, asks
/// <see cref="MembershipDecisions"/>, and appends to the constitution's stream at the version it read, so two
/// maintainers acting at once cannot both win on stale state (the loser gets <see cref="WrongExpectedVersionException"/>).
/// </summary>
public sealed class MembershipCommands(EventStreams store, ConstitutionQueries queries, PeopleDirectory people)
{
    public Task ChangeRoleAsync(Actor actor, string slug, string handle, DocumentRole role, CancellationToken ct = default) =>
        OnPersonAsync(actor, slug, handle, (m, person) => MembershipDecisions.ChangeRole(m, actor, person.Id, role), ct);

    public Task RemoveAsync(Actor actor, string slug, string handle, CancellationToken ct = default) =>
        OnPersonAsync(actor, slug, handle, (m, person) => MembershipDecisions.Remove(m, actor, person.Id), ct);

    public Task InviteAsync(Actor actor, string slug, string handle, DocumentRole role, CancellationToken ct = default) =>
        OnPersonAsync(actor, slug, handle, (m, person) => MembershipDecisions.Invite(m, actor, person, role), ct);

    public Task WithdrawAsync(Actor actor, string slug, string handle, CancellationToken ct = default) =>
        OnPersonAsync(actor, slug, handle, (m, person) => MembershipDecisions.Withdraw(m, actor, person.Id), ct);

    public Task ApproveAsync(Actor actor, string slug, string handle, DocumentRole? role = null, CancellationToken ct = default) =>
        OnPersonAsync(actor, slug, handle, (m, person) => MembershipDecisions.Approve(m, actor, person.Id, role), ct);

    public Task RefuseAsync(Actor actor, string slug, string handle, CancellationToken ct = default) =>
        OnPersonAsync(actor, slug, handle, (m, person) => MembershipDecisions.Refuse(m, actor, person.Id), ct);

    public Task TransferOwnershipAsync(Actor actor, string slug, string handle, CancellationToken ct = default) =>
        OnPersonAsync(actor, slug, handle, (m, person) => MembershipDecisions.TransferOwnership(m, actor, person), ct);

    public Task RestrictEditsAsync(Actor actor, string slug, bool restricted, CancellationToken ct = default) =>
        DecideAsync(actor, slug, readRequired: true, m => MembershipDecisions.RestrictEdits(m, actor, restricted), ct);

    public Task ChangeVisibilityAsync(Actor actor, string slug, Visibility visibility, CancellationToken ct = default) =>
        DecideAsync(actor, slug, readRequired: true, m => MembershipDecisions.ChangeVisibility(m, actor, visibility), ct);

    /// <summary>An invited person may answer before they can read a private constitution: the invitation is their way in.</summary>
    public Task AcceptAsync(Actor actor, string slug, CancellationToken ct = default) =>
        DecideAsync(actor, slug, readRequired: false, m => MembershipDecisions.Accept(m, actor), ct);

    public Task DeclineAsync(Actor actor, string slug, CancellationToken ct = default) =>
        DecideAsync(actor, slug, readRequired: false, m => MembershipDecisions.Decline(m, actor), ct);

    /// <summary>Asking to join works on a private constitution too, for someone who was given its address.</summary>
    public Task RequestJoinAsync(Actor actor, string slug, DocumentRole role, CancellationToken ct = default) =>
        DecideAsync(actor, slug, readRequired: false, m => MembershipDecisions.RequestJoin(m, actor, role), ct);

    private async Task OnPersonAsync(Actor actor, string slug, string handle, Func<Membership, PersonRow, object[]> decide, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(handle) || handle.Length > Handles.MaxLength + 1)
            throw new ValidationException("handle", "Give a person's handle, such as @ada.");
        // Read access first: someone who cannot see a private constitution learns nothing about who is on it.
        var loaded = await LoadAsync(actor, slug, readRequired: true, ct);
        var person = await people.ByHandleAsync(handle.Trim(), ct) ?? throw new NotFoundException($"Nobody has the handle @{handle.Trim().TrimStart('@')}.");
        await AppendAsync(actor, loaded, decide(loaded.Membership, person), ct);
    }

    private async Task DecideAsync(Actor actor, string slug, bool readRequired, Func<Membership, object[]> decide, CancellationToken ct)
    {
        var loaded = await LoadAsync(actor, slug, readRequired, ct);
        await AppendAsync(actor, loaded, decide(loaded.Membership), ct);
    }

    private async Task<(ConstitutionRow Row, Membership Membership)> LoadAsync(Actor actor, string slug, bool readRequired, CancellationToken ct)
    {
        var loaded = await queries.MembershipAsync(slug, ct) ?? throw new NotFoundException("No such constitution.");
        if (readRequired) DocumentAccess.EnsureRead(loaded.Row, actor);
        return loaded;
    }

    private async Task AppendAsync(Actor actor, (ConstitutionRow Row, Membership Membership) loaded, object[] events, CancellationToken ct)
    {
        if (events.Length == 0) return;
        var commandId = Guid.NewGuid();
        await store.AppendAsync(ConstitutionStream.Id(loaded.Row.Id), loaded.Membership.Version,
            events.Select((e, i) => new NewEvent(ConstitutionCommands.DeriveId(commandId, i + 1), e)).ToList(),
            ConstitutionCommands.Metadata(actor, commandId), ct);
    }
}
