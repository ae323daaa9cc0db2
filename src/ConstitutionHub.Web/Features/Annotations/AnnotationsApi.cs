using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Web.Features.Accounts;
using static ConstitutionHub.Web.Features.Constitutions.ConstitutionsApi;

namespace ConstitutionHub.Web.Features.Annotations;

public sealed record AnnotationPost(int? Revision, string? SectionId, string? Exact, int? Start, AnnotationKind? Kind, string? Body,
    FindingClaim? Finding, Guid? CommandId);
public sealed record CommentPost(string? Body, Guid? CommandId);
public sealed record StatusPost(FindingStatus? Status, string? Reason, Guid? CommandId);
public sealed record EvidencePost(EvidenceKind? Kind, string? Target, EvidenceRelation? Relation, string? Note, Guid? CommandId);

/// <summary>
/// The annotations JSON API: threads of a constitution per revision (where each is on that revision, or an orphan),
/// and every write the page offers. Same rules as the page: read access to read, annotate access to write, 400 with
/// the field for bad input. Enums travel as snake_case strings (<c>finding</c>, <c>no_effect</c>).
/// </summary>
public static class AnnotationsApi
{
    public static IEndpointRouteBuilder MapAnnotationsApi(this IEndpointRouteBuilder app)
    {
        var constitution = app.MapGroup("/api/constitutions/{slug}/annotations").DisableAntiforgery();
        constitution.MapGet("", List);
        constitution.MapPost("", Create);
        var one = app.MapGroup("/api/annotations/{id:guid}").DisableAntiforgery();
        one.MapGet("", Get);
        one.MapPost("replies", Reply);
        one.MapPatch("comments/{commentId:guid}", Edit);
        one.MapDelete("comments/{commentId:guid}", Delete);
        one.MapGet("comments/{commentId:guid}/history", History);
        one.MapPost("resolve", (HttpContext http, AnnotationService s, Guid id) => Resolve(http, s, id, true));
        one.MapPost("reopen", (HttpContext http, AnnotationService s, Guid id) => Resolve(http, s, id, false));
        one.MapPost("status", Status);
        one.MapPost("evidence", Evidence);
        one.MapPost("reconfirm", Reconfirm);
        Research.ResearchReports.MapResearchExports(app);
        return app;
    }

    /// <summary>The threads on revision <c>rev</c> (the newest by default), and in <c>reanchored</c> those whose anchor
    /// moved, changed or was lost since revision <c>since</c> (by default the one before).</summary>
    private static async Task<IResult> List(HttpContext http, ConstitutionQueries constitutions, AnnotationService service, string slug, int? rev,
        int? since) =>
        await Guarded(async () =>
        {
            var row = DocumentAccess.EnsureRead(await constitutions.BySlugAsync(slug), AccountsSetup.ToActor(http.User));
            var revision = rev ?? row.HeadRevision;
            if (revision < 1 || revision > row.HeadRevision) throw new ValidationException("rev", $"Revision {revision} does not exist; the newest is {row.HeadRevision}.");
            var earlier = since ?? revision - 1;
            if (since is not null && (earlier < 1 || earlier >= revision))
                throw new ValidationException("since", $"Compare with an earlier revision: 1 to {revision - 1}.");
            var head = await constitutions.RevisionAsync(row.Id, row.HeadRevision);
            var views = await service.ForRevisionAsync(row, revision);
            IReadOnlyList<ReanchoredRow> reanchored = earlier < 1 ? [] : await service.ReanchoredAsync(row, earlier, revision);
            return Json(new
            {
                revision,
                annotations = views.Select(v => Body(v, head?.Sections)),
                reanchored = new { since = earlier < 1 ? (int?)null : earlier, annotations = reanchored.Select(r => Reanchored(r, row.Slug, revision)) },
            });
        });

    private static async Task<IResult> Create(HttpContext http, ConstitutionQueries constitutions, AnnotationService service, string slug) =>
        await Guarded(async () =>
        {
            var actor = RequireActor(http);
            var body = await ReadJson<AnnotationPost>(http);
            var row = AnnotationAccess.EnsureAnnotate(await constitutions.BySlugAsync(slug), actor);
            var id = await service.CreateAsync(actor, row, new NewAnnotation(body.Revision, body.SectionId ?? "", body.Exact ?? "", body.Start ?? 0,
                body.Kind ?? AnnotationKind.Comment, body.Body ?? "", body.Finding), body.CommandId ?? Guid.NewGuid());
            return Results.Json(new { id }, HubJson.Options, statusCode: StatusCodes.Status201Created);
        });

    private static async Task<IResult> Get(HttpContext http, ConstitutionQueries constitutions, AnnotationService service, Guid id) =>
        await Guarded(async () =>
        {
            var view = await Readable(http, constitutions, service, id);
            var slug = await service.Queries.ConstitutionSlugAsync(view.Row.ConstitutionId);
            var row = (await constitutions.BySlugAsync(slug!))!;
            var head = await constitutions.RevisionAsync(row.Id, row.HeadRevision);
            return Json(Body(view, head?.Sections));
        });

    private static async Task<IResult> History(HttpContext http, AnnotationService service, Guid id, Guid commentId) =>
        await Guarded(async () =>
        {
            var versions = await service.HistoryAsync(AccountsSetup.ToActor(http.User), id, commentId);
            return Json(new
            {
                commentId,
                versions = versions.Select(v => new { number = v.Number, by = v.ByName, at = v.At, body = v.Body }),
            });
        });

    private static async Task<IResult> Reply(HttpContext http, AnnotationService service, Guid id) => await Guarded(async () =>
    {
        var actor = RequireActor(http);
        var body = await ReadJson<CommentPost>(http);
        Guid replyId = default;
        await service.WriteAsync(id, async c => replyId = await c.ReplyAsync(actor, id, body.Body ?? "", body.CommandId ?? Guid.NewGuid()));
        return Results.Json(new { id = replyId }, HubJson.Options, statusCode: StatusCodes.Status201Created);
    });

    private static async Task<IResult> Edit(HttpContext http, AnnotationService service, Guid id, Guid commentId) => await Guarded(async () =>
    {
        var actor = RequireActor(http);
        var body = await ReadJson<CommentPost>(http);
        await service.WriteAsync(id, c => c.EditAsync(actor, id, commentId, body.Body ?? "", body.CommandId ?? Guid.NewGuid()));
        return Results.NoContent();
    });

    private static async Task<IResult> Delete(HttpContext http, AnnotationService service, Guid id, Guid commentId) => await Guarded(async () =>
    {
        var actor = RequireActor(http);
        await service.WriteAsync(id, c => c.DeleteAsync(actor, id, commentId, Guid.NewGuid()));
        return Results.NoContent();
    });

    private static async Task<IResult> Resolve(HttpContext http, AnnotationService service, Guid id, bool resolved) => await Guarded(async () =>
    {
        var actor = RequireActor(http);
        await service.WriteAsync(id, c => c.SetResolvedAsync(actor, id, resolved, Guid.NewGuid()));
        return Results.NoContent();
    });

    private static async Task<IResult> Status(HttpContext http, AnnotationService service, Guid id) => await Guarded(async () =>
    {
        var actor = RequireActor(http);
        var body = await ReadJson<StatusPost>(http);
        var status = body.Status ?? throw new ValidationException("status", "The status is proposed, supported, contested or refuted.");
        await service.WriteAsync(id, c => c.ChangeStatusAsync(actor, id, status, body.Reason ?? "", body.CommandId ?? Guid.NewGuid()));
        return Results.NoContent();
    });

    private static async Task<IResult> Evidence(HttpContext http, AnnotationService service, Guid id) => await Guarded(async () =>
    {
        var actor = RequireActor(http);
        var body = await ReadJson<EvidencePost>(http);
        var kind = body.Kind ?? throw new ValidationException("kind", "Evidence is a chat_message, share_link, experiment or url.");
        Guid evidenceId = default;
        await service.WriteAsync(id, async c => evidenceId = await c.AddEvidenceAsync(actor, id,
            new NewEvidence(kind, body.Target ?? "", body.Relation ?? EvidenceRelation.Supports, body.Note), body.CommandId ?? Guid.NewGuid()));
        return Results.Json(new { id = evidenceId }, HubJson.Options, statusCode: StatusCodes.Status201Created);
    });

    private static async Task<IResult> Reconfirm(HttpContext http, AnnotationService service, Guid id) => await Guarded(async () =>
    {
        var actor = RequireActor(http);
        var body = await ReadJson<CommentPost>(http);
        await service.WriteAsync(id, c => c.ReconfirmAsync(actor, id, body.Body ?? "", body.CommandId ?? Guid.NewGuid()));
        return Results.NoContent();
    });

    private static async Task<AnnotationView> Readable(HttpContext http, ConstitutionQueries constitutions, AnnotationService service, Guid id)
    {
        var view = await service.Queries.ByIdAsync(id) ?? throw new NotFoundException("No such annotation.");
        var slug = await service.Queries.ConstitutionSlugAsync(view.Row.ConstitutionId);
        DocumentAccess.EnsureRead(slug is null ? null : await constitutions.BySlugAsync(slug), AccountsSetup.ToActor(http.User));
        return view;
    }

    private static IResult Json(object value) => Results.Json(value, HubJson.Options);

    /// <summary>One thread as the API shows it; deleted comments keep their place with an empty body.</summary>
    internal static object Body(AnnotationView v, IReadOnlyList<Core.Documents.Text.SectionInfo>? head) => new
    {
        id = v.Row.Id,
        kind = v.Row.Kind,
        author = v.Row.AuthorName,
        v.Row.Created,
        createdRevision = v.Row.CreatedRevision,
        revision = v.Revision,
        anchor = v.Anchor,
        outcome = v.Outcome,
        method = v.Method,
        orphan = v.IsOrphan,
        original = v.Row.Original,
        resolved = v.Row.Resolved,
        comments = v.Comments.Select(c => new
        {
            c.Id, author = c.AuthorName, body = c.Deleted ? null : c.Body, c.Mentions, c.Created, edited = c.EditCount > 0 && !c.Deleted,
            editedAt = c.EditCount > 0 && !c.Deleted ? c.Updated : (DateTimeOffset?)null, versions = c.Deleted ? 0 : c.EditCount + 1, c.Deleted,
        }),
        finding = v.Row.Finding is null ? null : new
        {
            claim = v.Row.Finding,
            status = v.Row.Status,
            statusReason = v.Row.StatusReason,
            statusBy = v.Row.StatusByName,
            basisRevision = v.Row.BasisRevision,
            staleSections = head is null ? [] : FindingStaleness.ChangedSections(v.Row.BasisHashes, head),
            evidence = v.Evidence.Select(e => new
            {
                e.Id, e.Kind, e.Target, e.Relation, e.Note, e.ChatId, e.MessageId, e.Revision, e.PromptHash, addedBy = e.AddedByName, e.AddedAt,
                predatesText = head is not null && FindingStaleness.Predates(e.SectionHashes, head),
            }),
        },
    };

    /// <summary>A thread whose anchor changed, as the API shows it: where it was, where it is on <paramref name="revision"/>
    /// (null: an orphan there) and its permalink on that revision.</summary>
    internal static object Reanchored(ReanchoredRow r, string slug, int revision) => new
    {
        id = r.Id,
        kind = r.Kind,
        author = r.AuthorName,
        change = r.Change,
        method = r.Method,
        before = r.Before,
        after = r.After,
        permalink = AnchorChangeLabels.Permalink(slug, revision, r.Id),
    };
}
