using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Web.Features.Sharing;

namespace ConstitutionHub.Web.Features.Experiments;

/// <summary>A vote as a script sends it: the pair (from <c>votes/next</c>) and the choice as shown (left, right, tie, both_bad).</summary>
public sealed record VotePost(string? ArmA, string? ArmB, string? ItemId, int? Sample, string? Choice, string? Reason);

/// <summary>The effect to turn into a finding: its section and variant, from the judge's ratings or the people's (source=human).</summary>
public sealed record EffectFindingPost(string? SectionId, string? Variant, string? Source, Guid? CommandId);

/// <summary>A study link's lifetime: 1h, 1d, 7d, 30d or never (the share links' choices).</summary>
public sealed record StudyLinkPost(string? Expires);

/// <summary>
/// Blind votes over HTTP: signed-in readers vote under their account; the owner makes and revokes study links; and
/// under /study/ anonymous participants enter a link (which gives them a participant cookie) and vote, rate-limited
/// per address. A study link that is unknown, revoked or expired answers 404, as a share link does.
/// </summary>
public static class VotesApi
{
    public static IEndpointRouteBuilder MapVotesApi(this IEndpointRouteBuilder app)
    {
        var experiment = app.MapGroup("/api/experiments/{id:guid}").DisableAntiforgery();
        experiment.MapGet("votes/next", Next);
        experiment.MapPost("votes", Vote);
        experiment.MapGet("study-links", ListLinks);
        experiment.MapPost("study-links", CreateLink);
        experiment.MapPost("study-links/{linkId:guid}/revoke", RevokeLink);
        experiment.MapPost("findings", MakeFinding);

        var study = app.MapGroup("/study").RequireRateLimiting(SharingSetup.RatePolicy).DisableAntiforgery();
        study.MapGet("{token}", Enter);
        study.MapPost("{token}/votes", StudyVote);
        return app;
    }

    private static Task<IResult> Next(HttpContext http, ExperimentQueries queries, ConstitutionQueries constitutions, HumanVotes votes, Guid id) =>
        ExperimentsApi.Guarded(async () =>
        {
            var actor = ExperimentsApi.RequireActor(http);
            var row = await ExperimentsApi.ReadableAsync(http, queries, constitutions, id);
            var next = await votes.NextAsync(row, actor.Id);
            var progress = await votes.ProgressAsync(row, actor.Id);
            if (next is null) return Results.Ok(new { pair = (object?)null, progress });
            // Which arm is on which side stays on the server: the pair names both arms, never which is left.
            return Results.Ok(new
            {
                pair = new { next.Pair.ArmA, next.Pair.ArmB, next.Pair.ItemId, next.Pair.Sample }, left = next.LeftOutput, right = next.RightOutput,
                progress,
            });
        });

    private static Task<IResult> Vote(HttpContext http, ExperimentQueries queries, ConstitutionQueries constitutions, HumanVotes votes, Guid id) =>
        ExperimentsApi.Guarded(async () =>
        {
            var actor = ExperimentsApi.RequireActor(http);
            var row = await ExperimentsApi.ReadableAsync(http, queries, constitutions, id);
            var body = await ExperimentsApi.ReadJson<VotePost>(http);
            await votes.VoteAsync(row, actor.Id, actor.Name, PairOf(body), body.Choice, body.Reason, null);
            return Results.Ok(new { choice = body.Choice, progress = await votes.ProgressAsync(row, actor.Id) });
        });

    private static Task<IResult> ListLinks(HttpContext http, ExperimentQueries queries, ConstitutionQueries constitutions, StudyLinks links, Guid id) =>
        ExperimentsApi.Guarded(async () =>
    {
        await ExperimentsApi.StartersOnlyAsync(http, queries, constitutions, id);
        await OwnedAsync(http, queries, id);
        return Results.Ok(await links.ListAsync(id));
    });

    private static Task<IResult> CreateLink(HttpContext http, ExperimentQueries queries, ConstitutionQueries constitutions, StudyLinks links,
        TimeProvider time, Guid id) => ExperimentsApi.Guarded(async () =>
    {
        var actor = ExperimentsApi.RequireActor(http);
        await ExperimentsApi.StartersOnlyAsync(http, queries, constitutions, id);
        var body = http.Request.ContentLength is > 0 ? await ExperimentsApi.ReadJson<StudyLinkPost>(http) : new StudyLinkPost(null);
        if (!ShareEndpoints.Expiries.TryGetValue(body.Expires ?? "never", out var lifetime))
            throw new ValidationException("expires", "Choose an expiry of 1h, 1d, 7d, 30d or never.");
        var created = await links.CreateAsync(actor, id, lifetime is { } l ? time.GetUtcNow() + l : null);
        var url = $"{http.Request.Scheme}://{http.Request.Host}/study/{created.Token}";
        return Results.Json(new { id = created.Link.Id, token = created.Token, url, expires = created.Link.Expires }, statusCode: StatusCodes.Status201Created);
    });

    private static Task<IResult> RevokeLink(HttpContext http, StudyLinks links, Guid id, Guid linkId) => ExperimentsApi.Guarded(async () =>
    {
        await links.RevokeAsync(ExperimentsApi.RequireActor(http), id, linkId);
        return Results.NoContent();
    });

    /// <summary>A finding on the living document from one section effect of the judge's ratings or (source=human) the people's.</summary>
    private static Task<IResult> MakeFinding(HttpContext http, ExperimentQueries queries, ConstitutionQueries constitutions, ExperimentResults results,
        EffectFindings findings, Guid id) => ExperimentsApi.Guarded(async () =>
    {
        var actor = ExperimentsApi.RequireActor(http);
        var row = await ExperimentsApi.ReadableAsync(http, queries, constitutions, id);
        var body = await ExperimentsApi.ReadJson<EffectFindingPost>(http);
        var source = body.Source ?? "judge";
        var ratings = source switch
        {
            "judge" => await results.JudgeRatingsAsync(id),
            "human" => (await results.HumanResultsAsync(id)).Ratings,
            _ => throw new ValidationException("source", "source is judge or human."),
        };
        var effect = ratings.Effects.FirstOrDefault(e => e.SectionId == body.SectionId && e.Variant == body.Variant)
            ?? throw new ValidationException("effect", "The ratings have no effect for that section and variant (yet).");
        var finding = await findings.CreateAsync(actor, row, effect, source, body.CommandId ?? Guid.NewGuid());
        return Results.Json(new { id = finding.FindingId, href = finding.Href }, statusCode: StatusCodes.Status201Created);
    });

    /// <summary>The entry of a study link: gives the browser its participant id, then opens the voting page.</summary>
    private static async Task<IResult> Enter(string token, HttpContext http, StudyLinks links)
    {
        if (await links.ResolveAsync(ShareEndpoints.UniformToken(token), http.RequestAborted) is null) return NotFound();
        StudyParticipants.Ensure(http);
        http.Response.Headers.CacheControl = "private, no-store";
        return Results.Redirect($"/study/{Uri.EscapeDataString(token)}/vote");
    }

    private static async Task<IResult> StudyVote(string token, HttpContext http, StudyLinks links, ExperimentQueries queries, HumanVotes votes,
        StudyParticipants participants)
    {
        var link = await links.ResolveAsync(ShareEndpoints.UniformToken(token), http.RequestAborted);
        if (link is null) return NotFound();
        if (!participants.TryVote(StudyParticipants.Address(http)))
            return Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many votes", detail: "Too many votes from your address: wait a minute.");
        return await ExperimentsApi.Guarded(async () =>
        {
            var participant = StudyParticipants.Read(http)
                ?? throw new ValidationException("participant", "Open the study link first: it gives this browser its participant id.");
            var row = await queries.ExperimentAsync(link.ExperimentId) ?? throw new NotFoundException("No such experiment.");
            var body = await ExperimentsApi.ReadJson<VotePost>(http);
            var voter = StudyParticipants.Voter(participant);
            await votes.VoteAsync(row, voter, "Study participant", PairOf(body), body.Choice, body.Reason, link.Id);
            return Results.Ok(new { choice = body.Choice, progress = await votes.ProgressAsync(row, voter) });
        });
    }

    private static PairKey PairOf(VotePost body) =>
        body is { ArmA: { } a, ArmB: { } b, ItemId: { } item, Sample: { } sample }
            ? new PairKey(a, b, item, sample)
            : throw new ValidationException("pair", "Name the pair: armA, armB, itemId and sample.");

    private static async Task OwnedAsync(HttpContext http, ExperimentQueries queries, Guid id)
    {
        var actor = ExperimentsApi.RequireActor(http);
        var row = await queries.ExperimentAsync(id) ?? throw new NotFoundException("No such experiment.");
        if (row.OwnerId != actor.Id) throw new ForbiddenException("Only the person who started this experiment sees its study links.");
    }

    private static IResult NotFound() => Results.Content(SharePages.NotFound, SharePages.ContentType, statusCode: StatusCodes.Status404NotFound);
}
