using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Core.Tests.Documents;

/// <summary>The whole decision table of <see cref="DocumentAccess"/>: every visibility x every kind of person x every question.</summary>
public sealed class DocumentAccessTests
{
    private static readonly Actor Owner = new("local:owner", "Owner");
    private static readonly Actor Admin = new("oidc:admin", "Admin", IsAdmin: true);
    private static readonly Actor Stranger = new("local:stranger", "Stranger");

    private static Actor Member(DocumentRole role) => new($"local:{role.ToString().ToLowerInvariant()}", role.ToString());

    private static ConstitutionRow Row(Visibility visibility, bool restricted = false) =>
        new(Guid.NewGuid(), "doc", "Doc", "", visibility, Owner.Id, Owner.Name, null, null, null, 1, 2,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, Owner.Name)
        {
            Members = Enum.GetValues<DocumentRole>().Where(r => r != DocumentRole.Owner).ToDictionary(r => Member(r).Id, r => r),
            EditsRestricted = restricted,
        };

    public static TheoryData<Visibility, bool, string, string> Table() => new()
    {
        // visibility, edits restricted, who, what they may do: r(ead) c(omment) e(dit) m(anage) v(isibility)
        { Visibility.Public, false, "anonymous", "r" },
        { Visibility.Public, false, "stranger", "rce" },
        { Visibility.Public, true, "stranger", "rc" },
        { Visibility.Public, true, "viewer", "r" },
        { Visibility.Public, true, "commenter", "rc" },
        { Visibility.Public, true, "editor", "rce" },
        { Visibility.Public, true, "maintainer", "rcem" },
        { Visibility.Public, true, "owner", "rcemv" },
        { Visibility.Public, true, "admin", "rcemv" },
        { Visibility.Unlisted, false, "anonymous", "r" },
        { Visibility.Unlisted, false, "stranger", "rce" },
        { Visibility.Private, false, "anonymous", "" },
        { Visibility.Private, false, "stranger", "" },
        { Visibility.Private, false, "viewer", "r" },
        { Visibility.Private, false, "commenter", "rc" },
        { Visibility.Private, false, "editor", "rce" },
        { Visibility.Private, false, "maintainer", "rcem" },
        { Visibility.Private, false, "owner", "rcemv" },
        { Visibility.Private, false, "admin", "rcemv" },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Each_person_may_do_exactly_what_their_role_and_the_visibility_allow(Visibility visibility, bool restricted, string who, string allowed)
    {
        var row = Row(visibility, restricted);
        var actor = who switch
        {
            "anonymous" => null,
            "stranger" => Stranger,
            "owner" => Owner,
            "admin" => Admin,
            _ => Member(Enum.Parse<DocumentRole>(who, ignoreCase: true)),
        };

        var actual = string.Concat(
            DocumentAccess.CanRead(row, actor) ? "r" : "", DocumentAccess.CanComment(row, actor) ? "c" : "",
            DocumentAccess.CanEdit(row, actor) ? "e" : "", DocumentAccess.CanManage(row, actor) ? "m" : "",
            DocumentAccess.CanChangeVisibility(row, actor) ? "v" : "");
        Assert.Equal(allowed, actual);
    }

    [Fact]
    public void A_private_constitution_answers_a_stranger_like_a_missing_one()
    {
        var row = Row(Visibility.Private);
        Assert.Throws<NotFoundException>(() => DocumentAccess.EnsureRead(row, Stranger));
        Assert.Throws<NotFoundException>(() => DocumentAccess.EnsureEdit(row, null));
        Assert.Throws<ForbiddenException>(() => DocumentAccess.EnsureEdit(row, Member(DocumentRole.Commenter)));
        Assert.Throws<ForbiddenException>(() => DocumentAccess.EnsureComment(row, Member(DocumentRole.Viewer)));
        Assert.Throws<ForbiddenException>(() => DocumentAccess.EnsureManage(row, Member(DocumentRole.Editor)));
        Assert.Same(row, DocumentAccess.EnsureManage(row, Member(DocumentRole.Maintainer)));
    }
}
