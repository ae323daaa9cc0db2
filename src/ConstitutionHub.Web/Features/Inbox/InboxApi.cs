using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Watching;
using ConstitutionHub.Web.Features.Accounts;
using static ConstitutionHub.Web.Features.Constitutions.ConstitutionsApi;

namespace ConstitutionHub.Web.Features.Inbox;

public sealed record ReadPost(long[]? Seqs, bool? All);
public sealed record MailPost(string? Email, MailMode? Mode);
public sealed record WatchPost(WatchKind? Kind, string? SectionId, Guid? AnnotationId, bool? Watching);

/// <summary>
/// The inbox and watch JSON API for the signed-in person: their notifications (only about documents they may read),
/// marking them read, and watching a constitution, a section or a thread. 401 without a sign-in, 400 with the field
/// for bad input.
/// </summary>
public static class InboxApi
{
    public const int MaxSequencesPerRequest = 500;

    public static IEndpointRouteBuilder MapInboxApi(this IEndpointRouteBuilder app)
    {
        var inbox = app.MapGroup("/api/inbox").DisableAntiforgery();
        inbox.MapGet("", List);
        inbox.MapGet("count", Count);
        inbox.MapPost("read", Read);
        inbox.MapGet("mail", GetMail);
        inbox.MapPut("mail", SetMail);
        // The link in every mail, and the one-click unsubscribe mail programs post to (RFC 8058).
        app.MapGet("/inbox/unsubscribe", Unsubscribe);
        app.MapPost("/inbox/unsubscribe", Unsubscribe).DisableAntiforgery();
        var watch = app.MapGroup("/api/constitutions/{slug}/watch").DisableAntiforgery();
        watch.MapGet("", GetWatch);
        watch.MapPost("", SetWatch);
        app.MapAtomFeed();
        return app;
    }

    private static Task<IResult> List(HttpContext http, NotificationQueries queries, bool? unread, long? before, int? limit) => Guarded(async () =>
    {
        var actor = RequireSignIn(http);
        if (limit is < 1 or > NotificationQueries.MaxPage) throw new ValidationException("limit", $"limit is between 1 and {NotificationQueries.MaxPage}.");
        var rows = await queries.ListAsync(actor, unread ?? false, before, limit ?? 50);
        return Results.Json(new
        {
            unread = await queries.UnreadCountAsync(actor),
            notifications = rows.Select(n => new { n.Seq, n.Kind, n.Slug, n.Title, n.AnnotationId, n.Revision, n.ActorName, n.Text, n.At, n.Read, n.Link }),
            next = rows.Count > 0 ? rows[^1].Seq : (long?)null,
        }, Core.Streams.HubJson.Options);
    });

    private static Task<IResult> Count(HttpContext http, NotificationQueries queries) => Guarded(async () =>
        Results.Ok(new { unread = await queries.UnreadCountAsync(RequireSignIn(http)) }));

    private static Task<IResult> Read(HttpContext http, NotificationQueries queries, InboxFeed feed) => Guarded(async () =>
    {
        var actor = RequireSignIn(http);
        var body = await ReadJson<ReadPost>(http);
        if (body.All == true == body.Seqs is { Length: > 0 })
            throw new ValidationException("seqs", "Send the seqs of the notifications to mark read, or all: true.");
        if (body.Seqs is { Length: > MaxSequencesPerRequest })
            throw new ValidationException("seqs", $"At most {MaxSequencesPerRequest} at a time.");
        var marked = await queries.MarkReadAsync(actor, body.All == true ? null : body.Seqs);
        feed.Announce(actor.Id);
        return Results.Ok(new { marked, unread = await queries.UnreadCountAsync(actor) });
    });

    private static Task<IResult> GetMail(HttpContext http, MailPreferences preferences) => Guarded(async () =>
    {
        var mail = await preferences.GetAsync(RequireSignIn(http).Id);
        return Results.Json(new { email = mail?.Email ?? "", mode = mail?.Mode ?? MailMode.Off }, Core.Streams.HubJson.Options);
    });

    private static Task<IResult> SetMail(HttpContext http, MailPreferences preferences) => Guarded(async () =>
    {
        var actor = RequireSignIn(http);
        var body = await ReadJson<MailPost>(http);
        var mail = await preferences.SetAsync(actor.Id, body.Email, body.Mode ?? throw new ValidationException("mode", "mode is off, immediate or digest."));
        return Results.Json(new { email = mail.Email, mode = mail.Mode }, Core.Streams.HubJson.Options);
    });

    private static async Task<IResult> Unsubscribe(MailPreferences preferences, string? token) =>
        await preferences.UnsubscribeAsync(token)
            ? Results.Text("You will get no more notification mail from ConstitutionHub. Your inbox keeps them: /inbox", "text/plain; charset=utf-8")
            : Results.Problem(statusCode: 404, title: "Not found", detail: "This unsubscribe link is not known (it may be from an old mail).");

    private static Task<IResult> GetWatch(HttpContext http, WatchCommands watches, string slug, string? kind, string? sectionId, Guid? annotationId) =>
        Guarded(async () =>
        {
            var actor = RequireSignIn(http);
            var target = await watches.TargetAsync(actor, slug, Kind(kind), sectionId, annotationId);
            return Results.Ok(new { watching = await watches.IsWatchingAsync(actor.Id, target) });
        });

    private static Task<IResult> SetWatch(HttpContext http, WatchCommands watches, string slug) => Guarded(async () =>
    {
        var actor = RequireSignIn(http);
        var body = await ReadJson<WatchPost>(http);
        var watching = body.Watching ?? throw new ValidationException("watching", "Say watching: true or false.");
        var target = await watches.TargetAsync(actor, slug, body.Kind ?? WatchKind.Constitution, body.SectionId, body.AnnotationId);
        return Results.Ok(new { watching = await watches.SetAsync(actor, target, watching) });
    });

    /// <summary>The kind as the JSON body spells it (<c>constitution</c>, <c>section</c>, <c>thread</c>); only those names.</summary>
    private static WatchKind Kind(string? kind)
    {
        if (kind is null) return WatchKind.Constitution;
        foreach (var k in Enum.GetValues<WatchKind>())
            if (string.Equals(k.ToString(), kind, StringComparison.OrdinalIgnoreCase)) return k;
        throw new ValidationException("kind", "kind is constitution, section or thread.");
    }

    private static Core.People.Actor RequireSignIn(HttpContext http) =>
        AccountsSetup.ToActor(http.User) ?? throw new UnauthorizedAccessException("Sign in to read your inbox and watch.");
}
