using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Tests.Documents;

/// <summary>Roles and visibility as Given (events) / When (request) / Then (events or refusal), with no database.</summary>
public sealed class MembershipDecisionsTests
{
    private static readonly Actor Ada = new("local:ada", "Ada");
    private static readonly Actor Bea = new("local:bea", "Bea");
    private static readonly Actor Cy = new("local:cy", "Cy");
    private static readonly Actor Admin = new("local:root", "Root", IsAdmin: true);

    private static PersonRow Person(Actor a) =>
        new(a.Id, "local", a.Id, a.Name.ToLowerInvariant(), a.Name, null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    private static Membership Given(params object[] events) => Membership.From(
        [new ConstitutionCreated(Guid.NewGuid(), "doc", "Doc", "", Visibility.Private, Ada.Id, null), .. events]);

    private static Membership Apply(Membership m, object[] events) => events.Aggregate(m, (s, e) => s.Apply(e));

    [Fact]
    public void An_invitation_accepted_makes_the_person_a_member_with_the_offered_role()
    {
        var invited = Apply(Given(), MembershipDecisions.Invite(Given(), Ada, Person(Bea), DocumentRole.Editor));
        Assert.Null(invited.RoleOf(Bea));

        var accepted = MembershipDecisions.Accept(invited, Bea);

        Assert.Collection(accepted, e => Assert.Equal(new InvitationAccepted(Bea.Id), e),
            e => Assert.Equal(new MemberRoleGranted(Bea.Id, "Bea", DocumentRole.Editor), e));
        var after = Apply(invited, accepted);
        Assert.Equal(DocumentRole.Editor, after.RoleOf(Bea));
        Assert.Empty(after.Invitations);
    }

    [Fact]
    public void Only_maintainers_and_the_owner_manage_roles()
    {
        var m = Given(new MemberRoleGranted(Bea.Id, "Bea", DocumentRole.Editor));

        Assert.Throws<ForbiddenException>(() => MembershipDecisions.Invite(m, Bea, Person(Cy), DocumentRole.Viewer));
        Assert.Throws<ForbiddenException>(() => MembershipDecisions.Invite(m, Cy, Person(Cy), DocumentRole.Viewer));
        Assert.Single(MembershipDecisions.Invite(m, Admin, Person(Cy), DocumentRole.Viewer));
    }

    [Fact]
    public void Nobody_grants_a_role_above_their_own_and_nobody_is_given_the_owner_role()
    {
        var m = Given(new MemberRoleGranted(Bea.Id, "Bea", DocumentRole.Maintainer), new MemberRoleGranted(Cy.Id, "Cy", DocumentRole.Viewer));

        Assert.Single(MembershipDecisions.ChangeRole(m, Bea, Cy.Id, DocumentRole.Maintainer));
        Assert.Equal("role", Assert.Throws<ValidationException>(() => MembershipDecisions.ChangeRole(m, Ada, Cy.Id, DocumentRole.Owner)).Field);
        Assert.Throws<ValidationException>(() => MembershipDecisions.ChangeRole(m, Ada, Cy.Id, (DocumentRole)99));
    }

    [Fact]
    public void The_owner_can_be_neither_demoted_nor_removed()
    {
        var m = Given(new MemberRoleGranted(Bea.Id, "Bea", DocumentRole.Maintainer));

        Assert.Throws<ValidationException>(() => MembershipDecisions.ChangeRole(m, Bea, Ada.Id, DocumentRole.Viewer));
        Assert.Throws<ValidationException>(() => MembershipDecisions.Remove(m, Bea, Ada.Id));
        Assert.Throws<ValidationException>(() => MembershipDecisions.Remove(m, Ada, Ada.Id));
    }

    [Fact]
    public void A_member_may_leave_but_not_remove_someone_else()
    {
        var m = Given(new MemberRoleGranted(Bea.Id, "Bea", DocumentRole.Editor), new MemberRoleGranted(Cy.Id, "Cy", DocumentRole.Viewer));

        Assert.Equal([new MemberRemoved(Cy.Id)], MembershipDecisions.Remove(m, Cy, Cy.Id));
        Assert.Throws<ForbiddenException>(() => MembershipDecisions.Remove(m, Bea, Cy.Id));
        Assert.Throws<NotFoundException>(() => MembershipDecisions.Remove(m, Ada, "local:nobody"));
    }

    [Fact]
    public void Inviting_someone_who_is_already_in_or_invited_is_a_conflict()
    {
        var m = Given(new MemberRoleGranted(Bea.Id, "Bea", DocumentRole.Viewer), new MemberInvited(Cy.Id, "Cy", DocumentRole.Viewer));

        Assert.Throws<ConflictException>(() => MembershipDecisions.Invite(m, Ada, Person(Bea), DocumentRole.Editor));
        Assert.Throws<ConflictException>(() => MembershipDecisions.Invite(m, Ada, Person(Cy), DocumentRole.Editor));
        Assert.Throws<ConflictException>(() => MembershipDecisions.Invite(m, Ada, Person(Ada), DocumentRole.Editor));
    }

    [Fact]
    public void A_request_to_join_is_approved_with_the_role_asked_for_or_refused()
    {
        var m = Apply(Given(), MembershipDecisions.RequestJoin(Given(), Bea, DocumentRole.Commenter));
        Assert.Throws<ConflictException>(() => MembershipDecisions.RequestJoin(m, Bea, DocumentRole.Commenter));

        var approved = Apply(m, MembershipDecisions.Approve(m, Ada, Bea.Id));
        Assert.Equal(DocumentRole.Commenter, approved.RoleOf(Bea));
        Assert.Empty(approved.Requests);

        var refused = Apply(m, MembershipDecisions.Refuse(m, Ada, Bea.Id));
        Assert.Null(refused.RoleOf(Bea));
        Assert.Throws<NotFoundException>(() => MembershipDecisions.Approve(refused, Ada, Bea.Id));
    }

    [Fact]
    public void Nobody_asks_for_what_they_already_have_or_for_more_than_editor()
    {
        var open = Membership.From([new ConstitutionCreated(Guid.NewGuid(), "doc", "Doc", "", Visibility.Public, Ada.Id, null)]);

        Assert.Throws<ConflictException>(() => MembershipDecisions.RequestJoin(open, Bea, DocumentRole.Editor));
        Assert.Throws<ValidationException>(() => MembershipDecisions.RequestJoin(Given(), Bea, DocumentRole.Maintainer));
        var restricted = open.Apply(new EditingRestricted());
        Assert.Single(MembershipDecisions.RequestJoin(restricted, Bea, DocumentRole.Editor));
    }

    [Fact]
    public void Visibility_and_the_edit_restriction_are_the_owners_and_a_repeat_records_nothing()
    {
        var m = Given(new MemberRoleGranted(Bea.Id, "Bea", DocumentRole.Maintainer));

        Assert.Throws<ForbiddenException>(() => MembershipDecisions.ChangeVisibility(m, Bea, Visibility.Public));
        Assert.Throws<ForbiddenException>(() => MembershipDecisions.RestrictEdits(m, Bea, true));
        Assert.Equal([new VisibilityChanged(Visibility.Public)], MembershipDecisions.ChangeVisibility(m, Ada, Visibility.Public));
        Assert.Empty(MembershipDecisions.ChangeVisibility(m, Ada, Visibility.Private));
        Assert.Throws<ValidationException>(() => MembershipDecisions.ChangeVisibility(m, Ada, (Visibility)99));
        Assert.IsType<EditingRestricted>(Assert.Single(MembershipDecisions.RestrictEdits(m, Ada, true)));
        Assert.Empty(MembershipDecisions.RestrictEdits(m, Ada, false));
    }

    [Fact]
    public void Ownership_goes_to_a_member_and_the_previous_owner_stays_on_as_maintainer()
    {
        var m = Given(new MemberRoleGranted(Bea.Id, "Bea", DocumentRole.Maintainer));

        Assert.Throws<ForbiddenException>(() => MembershipDecisions.TransferOwnership(m, Bea, Person(Bea)));
        Assert.Throws<NotFoundException>(() => MembershipDecisions.TransferOwnership(m, Ada, Person(Cy)));
        var after = Apply(m, MembershipDecisions.TransferOwnership(m, Ada, Person(Bea)));

        Assert.Equal(DocumentRole.Owner, after.RoleOf(Bea));
        Assert.Equal(DocumentRole.Maintainer, after.RoleOf(Ada));
        Assert.False(after.Members.ContainsKey(Bea.Id));
        Assert.Throws<ValidationException>(() => MembershipDecisions.Remove(after, Bea, Bea.Id));
    }

    [Fact]
    public void Role_names_are_the_four_a_member_can_hold()
    {
        Assert.True(MembershipDecisions.TryParseRole("EDITOR", out var editor));
        Assert.Equal(DocumentRole.Editor, editor);
        foreach (var bad in new[] { "owner", "3", "", null, "editor " }) Assert.False(MembershipDecisions.TryParseRole(bad, out _));
    }
}
