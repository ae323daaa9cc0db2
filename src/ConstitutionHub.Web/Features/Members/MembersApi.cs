using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Web.Features.Accounts;
using static ConstitutionHub.Web.Features.Constitutions.ConstitutionsApi;

namespace ConstitutionHub.Web.Features.Members;

public sealed record RolePost(string? Role);
public sealed record InvitationPost(string? Handle, string? Role);
public sealed record VisibilityPost(string? Visibility);
public sealed record EditsPost(bool? Restricted);

/// <summary>
/// Roles, invitations and requests to join over JSON: <c>/api/constitutions/{slug}/members</c>, <c>/invitations</c>,
/// <c>/requests</c>, plus <c>/visibility</c> and <c>/edits</c> for the owner. The rules are the domain's
/// (<see cref="MembershipDecisions"/>); here input is parsed and refusals become 400/401/403/404/409.
/// </summary>
public static class MembersApi
{
    public static IEndpointRouteBuilder MapMembersApi(this IEndpointRouteBuilder app)
    {
        var one = app.MapGroup("/api/constitutions/{slug}").DisableAntiforgery();
        one.MapGet("members", List);
        one.MapPut("members/{handle}", (HttpContext http, MembershipCommands commands, string slug, string handle) => Act(http, async actor =>
            await commands.ChangeRoleAsync(actor, slug, handle, Role((await ReadJson<RolePost>(http)).Role))));
        one.MapDelete("members/{handle}", (HttpContext http, MembershipCommands commands, string slug, string handle) =>
            Act(http, actor => commands.RemoveAsync(actor, slug, handle)));
        one.MapPost("invitations", (HttpContext http, MembershipCommands commands, string slug) => Act(http, async actor =>
        {
            var body = await ReadJson<InvitationPost>(http);
            await commands.InviteAsync(actor, slug, body.Handle ?? "", Role(body.Role));
        }, StatusCodes.Status201Created));
        one.MapDelete("invitations/{handle}", (HttpContext http, MembershipCommands commands, string slug, string handle) =>
            Act(http, actor => commands.WithdrawAsync(actor, slug, handle)));
        one.MapPost("invitations/accept", (HttpContext http, MembershipCommands commands, string slug) =>
            Act(http, actor => commands.AcceptAsync(actor, slug)));
        one.MapPost("invitations/decline", (HttpContext http, MembershipCommands commands, string slug) =>
            Act(http, actor => commands.DeclineAsync(actor, slug)));
        one.MapPost("requests", (HttpContext http, MembershipCommands commands, string slug) => Act(http, async actor =>
            await commands.RequestJoinAsync(actor, slug, Role((await ReadJson<RolePost>(http)).Role)), StatusCodes.Status202Accepted));
        one.MapPost("requests/{handle}/approve", (HttpContext http, MembershipCommands commands, string slug, string handle) => Act(http, async actor =>
        {
            var role = http.Request.ContentLength is > 0 ? (await ReadJson<RolePost>(http)).Role : null;
            await commands.ApproveAsync(actor, slug, handle, role is null ? null : Role(role));
        }));
        one.MapPost("requests/{handle}/refuse", (HttpContext http, MembershipCommands commands, string slug, string handle) =>
            Act(http, actor => commands.RefuseAsync(actor, slug, handle)));
        one.MapPut("visibility", (HttpContext http, MembershipCommands commands, string slug) => Act(http, async actor =>
        {
            var text = (await ReadJson<VisibilityPost>(http)).Visibility;
            if (!DocumentAccess.TryParseVisibility(text, out var visibility))
                throw new ValidationException("visibility", "visibility is one of public, unlisted, private.");
            await commands.ChangeVisibilityAsync(actor, slug, visibility);
        }));
        one.MapPut("owner", (HttpContext http, MembershipCommands commands, string slug) => Act(http, async actor =>
            await commands.TransferOwnershipAsync(actor, slug, (await ReadJson<InvitationPost>(http)).Handle ?? "")));
        one.MapPut("edits", (HttpContext http, MembershipCommands commands, string slug) => Act(http, async actor =>
        {
            var restricted = (await ReadJson<EditsPost>(http)).Restricted ?? throw new ValidationException("restricted", "Send restricted: true or false.");
            await commands.RestrictEditsAsync(actor, slug, restricted);
        }));
        app.MapGet("/api/invitations", async (HttpContext http, ConstitutionQueries queries) => await Guarded(async () =>
            Results.Ok(await queries.InvitationsForAsync(RequireActor(http).Id))));
        return app;
    }

    /// <summary>Members with their roles for anyone who may read the constitution; pending invitations and requests
    /// only for those who manage it.</summary>
    private static async Task<IResult> List(HttpContext http, ConstitutionQueries queries, string slug) => await Guarded(async () =>
    {
        var viewer = AccountsSetup.ToActor(http.User);
        var row = DocumentAccess.EnsureRead(await queries.BySlugAsync(slug), viewer);
        var manages = DocumentAccess.CanManage(row, viewer);
        return Results.Ok(new
        {
            owner = row.OwnerName,
            editsRestricted = row.EditsRestricted,
            members = (await queries.MembersAsync(row.Id)).Select(Body),
            invitations = manages ? (await queries.InvitationsAsync(row.Id)).Select(Body) : null,
            requests = manages ? (await queries.JoinRequestsAsync(row.Id)).Select(Body) : null,
        });
    });

    private static object Body(MemberRow m) => new { handle = m.Handle, name = m.PersonName, role = m.Role.ToString().ToLowerInvariant() };

    private static DocumentRole Role(string? text) => MembershipDecisions.TryParseRole(text, out var role)
        ? role
        : throw new ValidationException("role", "role is one of viewer, commenter, editor, maintainer.");

    /// <summary>Runs a change as the signed-in person; a change that raced another one on the same constitution is a 409.</summary>
    private static Task<IResult> Act(HttpContext http, Func<Core.People.Actor, Task> change, int status = StatusCodes.Status204NoContent) => Guarded(async () =>
    {
        var actor = RequireActor(http);
        try
        {
            await change(actor);
        }
        catch (WrongExpectedVersionException)
        {
            throw new ConflictException("Someone changed this constitution's roles at the same moment; look again and retry.");
        }
        return Results.StatusCode(status);
    });
}
