using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Features.Sharing;

namespace ConstitutionHub.Web.Features.Experiments;

/// <summary>A public link to an experiment: <c>mode</c> snapshot or live, <c>expires</c> 1h/1d/7d/30d/never,
/// <c>showPrompts</c> to put the arms' system prompts (and every constitution's name) on the page.</summary>
public sealed record ExperimentSharePost(string? Mode, string? Expires, bool? ShowPrompts);

/// <summary>
/// Public share links of an experiment over HTTP (the run page's share panel does the same in the circuit): the
/// signed-in person's links to it, a new one (shown once, with its token) and revoking one. They are share links, so
/// /shares lists them and /shares/{id}/revoke ends them too.
/// </summary>
public static class ExperimentSharesApi
{
    public static IEndpointRouteBuilder MapExperimentSharesApi(this IEndpointRouteBuilder app)
    {
        var experiment = app.MapGroup("/api/experiments/{id:guid}/share-links").DisableAntiforgery();
        experiment.MapGet("", List);
        experiment.MapPost("", Create);
        experiment.MapPost("{linkId:guid}/revoke", Revoke);
        return app;
    }

    /// <summary>Reads the choices of a share: what is missing takes its default, what is unknown is refused.</summary>
    public static (ShareMode Mode, TimeSpan? Lifetime) Choices(string? mode, string? expires)
    {
        ShareMode? chosen = (mode ?? "snapshot") switch { "snapshot" => ShareMode.Snapshot, "live" => ShareMode.Live, _ => null };
        if (chosen is null) throw new ValidationException("mode", "Choose 'snapshot' (results frozen now) or 'live' (results as they stand).");
        if (!ShareEndpoints.Expiries.TryGetValue(expires ?? "never", out var lifetime))
            throw new ValidationException("expires", "Choose an expiry of 1h, 1d, 7d, 30d or never.");
        return (chosen.Value, lifetime);
    }

    private static Task<IResult> List(HttpContext http, ExperimentQueries queries, ExperimentShareLinks shares, ShareLinks links, Guid id) =>
        ExperimentsApi.Guarded(async () =>
        {
            var actor = ExperimentsApi.RequireActor(http);
            var row = await queries.ExperimentAsync(id) ?? throw new NotFoundException("No such experiment.");
            if (!await shares.MayShareAsync(actor, row)) throw new NotFoundException("No such experiment of yours to share.");
            return Results.Ok(await links.ListAsync(actor.Id, id));
        });

    private static Task<IResult> Create(HttpContext http, ExperimentShareLinks shares, TimeProvider time, Guid id) => ExperimentsApi.Guarded(async () =>
    {
        var actor = ExperimentsApi.RequireActor(http);
        var body = http.Request.ContentLength is > 0 ? await ExperimentsApi.ReadJson<ExperimentSharePost>(http) : new ExperimentSharePost(null, null, null);
        var (mode, lifetime) = Choices(body.Mode, body.Expires);
        var created = await shares.CreateAsync(actor, id, mode, lifetime is { } l ? time.GetUtcNow() + l : null, body.ShowPrompts ?? false);
        var url = $"{http.Request.Scheme}://{http.Request.Host}/s/{created.Token}";
        return Results.Json(new { id = created.Link.Id, token = created.Token, url, mode = created.Link.Mode, expires = created.Link.Expires },
            statusCode: StatusCodes.Status201Created);
    });

    private static Task<IResult> Revoke(HttpContext http, ShareLinks links, Guid id, Guid linkId) => ExperimentsApi.Guarded(async () =>
    {
        var actor = ExperimentsApi.RequireActor(http);
        var link = await links.LinkAsync(linkId);
        // Another person's link, or a link to something else, looks like no link at all.
        if (link is null || link.Target != ShareTarget.Experiment || link.TargetId != id) throw new NotFoundException("No such share link of yours.");
        await links.RevokeAsync(actor, linkId);
        return Results.NoContent();
    });
}
