using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.TrainedModels;
using ConstitutionHub.Inference.Models;
using ConstitutionHub.Web.Features.Accounts;
using ConstitutionHub.Web.Features.Experiments;
using ConstitutionHub.Web.Features.Sharing;

namespace ConstitutionHub.Web.Features.TrainedModels;

/// <summary>A registration as scripts send it: a catalog folder and its lineage (the export's id, optionally its experiment).</summary>
public sealed record TrainedModelPost(string? Folder, string? Name, string? BaseModel, string? ExportId, Guid? ExperimentId, string? Description);

/// <summary>New words for a registration; <c>version</c> (from a read of it) makes a change made meanwhile a 409, not an overwrite.</summary>
public sealed record TrainedModelPatch(string? Name, string? BaseModel, string? Description, long? Version);

public sealed record WithdrawPost(string? Reason);

public sealed record DownloadLinkPost(string? Expires);

/// <summary>
/// Registered models over HTTP: register (a site admin or the export's experiment owner), read (public, lineage as the
/// viewer may read it), correct and withdraw, and download links (the model's managers), and the download itself under
/// /models/download/, where the token is the authorization and every way it can fail gives the same 404.
/// </summary>
public static class TrainedModelsApi
{
    public static IEndpointRouteBuilder MapTrainedModelsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/api/trained-models").DisableAntiforgery();
        models.MapGet("", async (HttpContext h, TrainedModelViews views, bool? withdrawn) =>
            Results.Ok((await views.ListAsync(Viewer(h), withdrawn ?? false)).Select(Body)));
        models.MapPost("", Register);
        models.MapGet("{id:guid}", (HttpContext h, TrainedModelViews views, Guid id) => ExperimentsApi.Guarded(async () =>
            Results.Ok(Body(await views.FindAsync(id, Viewer(h)) ?? throw new NotFoundException("No such model.")))));
        models.MapPatch("{id:guid}", Change);
        models.MapPost("{id:guid}/withdraw", Withdraw);
        models.MapGet("{id:guid}/download-links", ListLinks);
        models.MapPost("{id:guid}/download-links", CreateLink);
        models.MapPost("{id:guid}/download-links/{linkId:guid}/revoke", (HttpContext h, ModelRegistry m, Guid id, Guid linkId) =>
            ExperimentsApi.Guarded(async () =>
            {
                await m.RevokeLinkAsync(RequireActor(h), id, linkId);
                return Results.NoContent();
            }));
        app.MapGet("/api/training-exports/{exportId}", Export);
        var downloads = app.MapGroup("/models/download").RequireRateLimiting(SharingSetup.RatePolicy);
        downloads.MapGet("{token}", (string token, HttpContext http, ModelRegistry models, TrainedModelFolders folders) =>
            Download(token, zip: false, http, models, folders));
        // A complex segment outranks a bare parameter, and a token (base64url) never holds a dot.
        downloads.MapGet("{token}.zip", (string token, HttpContext http, ModelRegistry models, TrainedModelFolders folders) =>
            Download(token, zip: true, http, models, folders));
        return app;
    }

    private static Task<IResult> Register(HttpContext http, ModelRegistry models, TrainedModelFolders folders, TrainedModelViews views) =>
        ExperimentsApi.Guarded(async () =>
        {
            var actor = RequireActor(http);
            var body = await ExperimentsApi.ReadJson<TrainedModelPost>(http);
            var folder = await folders.CheckAsync(body.Folder);
            var row = await models.RegisterAsync(actor, folder,
                new RegisterTrainedModel(body.Name, body.BaseModel, body.ExportId, body.ExperimentId, body.Description));
            return Results.Created($"/models/trained/{row.Id}", Body(await views.ViewAsync(row, actor)));
        });

    private static Task<IResult> Change(HttpContext http, ModelRegistry models, TrainedModelViews views, Guid id) =>
        ExperimentsApi.Guarded(async () =>
        {
            var actor = RequireActor(http);
            var body = await ExperimentsApi.ReadJson<TrainedModelPatch>(http);
            var row = await models.ChangeAsync(actor, id, new ChangeTrainedModel(body.Name, body.BaseModel, body.Description, body.Version));
            return Results.Ok(Body(await views.ViewAsync(row, actor)));
        });

    private static Task<IResult> Withdraw(HttpContext http, ModelRegistry models, TrainedModelViews views, Guid id) =>
        ExperimentsApi.Guarded(async () =>
        {
            var actor = RequireActor(http);
            var body = await ExperimentsApi.ReadJson<WithdrawPost>(http);
            return Results.Ok(Body(await views.ViewAsync(await models.WithdrawAsync(actor, id, body.Reason), actor)));
        });

    private static Task<IResult> ListLinks(HttpContext http, ModelRegistry models, Guid id) => ExperimentsApi.Guarded(async () =>
    {
        var actor = RequireActor(http);
        var model = await models.FindAsync(id) ?? throw new NotFoundException("No such model.");
        if (!await models.CanManageAsync(actor, model)) throw new ForbiddenException("You cannot see this model's download links.");
        return Results.Ok((await models.LinksAsync(id)).Select(LinkBody));
    });

    /// <summary><c>{"expires": "1h" | "1d" | "7d" | "30d" | "never"}</c>; the answer holds the URL, shown once.</summary>
    private static Task<IResult> CreateLink(HttpContext http, ModelRegistry models, TimeProvider clock, Guid id) => ExperimentsApi.Guarded(async () =>
    {
        var actor = RequireActor(http);
        var body = await ExperimentsApi.ReadJson<DownloadLinkPost>(http);
        var created = await models.CreateLinkAsync(actor, id, ExpiresAt(body.Expires, clock));
        var url = $"{http.Request.Scheme}://{http.Request.Host}{DownloadPath(created.Token)}";
        var zipUrl = $"{http.Request.Scheme}://{http.Request.Host}{ZipDownloadPath(created.Token)}";
        return Results.Created(url, new { url, zipUrl, token = created.Token, link = LinkBody(created.Link) });
    });

    public static DateTimeOffset? ExpiresAt(string? expires, TimeProvider clock) =>
        ShareEndpoints.Expiries.TryGetValue(expires ?? "never", out var span)
            ? span is { } s ? clock.GetUtcNow() + s : null
            : throw new ValidationException("expires", "expires is one of 1h, 1d, 7d, 30d, never.");

    public static string DownloadPath(string token) => $"/models/download/{token}";

    /// <summary>The same download as a zip archive.</summary>
    public static string ZipDownloadPath(string token) => $"/models/download/{token}.zip";

    /// <summary>What a recorded export is, for those who may read its experiment (otherwise "not found", like the experiment).</summary>
    private static Task<IResult> Export(HttpContext http, TrainingExportLog exports, ExperimentQueries queries, ConstitutionQueries constitutions,
        string exportId) => ExperimentsApi.Guarded(async () =>
    {
        if (!TrainingExportLog.LooksLikeId(exportId))
            throw new ValidationException("exportId", "An export id is the SHA-256 of the export file: 64 lowercase hex digits.");
        var export = await exports.FindAsync(exportId) ?? throw new NotFoundException("No such export.");
        await ExperimentsApi.ReadableAsync(http, queries, constitutions, export.Facts.ExperimentId);
        return Results.Ok(new { export.Facts.ExportId, export.Facts.ExperimentId, export.Facts.Format, export.Facts.Records, export.Facts.Arms,
            recorded = export.Recorded, recordedBy = export.RecordedByName });
    });

    /// <summary>
    /// The folder as a tar archive, or a zip holding the same entries, streamed: its checked files only, opened and checked again now. A token that is
    /// unknown, revoked, expired or malformed answers the share links' 404; a folder that no longer matches its
    /// registration (other weights, gone, failing a check) answers 409, and nothing of it is sent.
    /// </summary>
    private static async Task<IResult> Download(string token, bool zip, HttpContext http, ModelRegistry models, TrainedModelFolders folders)
    {
        var model = await models.ResolveAsync(ShareEndpoints.UniformToken(token), http.RequestAborted);
        if (model is null) return Results.Content(SharePages.NotFound, SharePages.ContentType, statusCode: StatusCodes.Status404NotFound);
        var folder = await folders.OpenAsync(model.FolderId);
        if (folder is null || folder.WeightsSha256 != model.WeightsSha256)
            return Results.Problem(statusCode: 409, title: "The model folder changed",
                detail: "The folder on the server no longer holds the weights that were registered; ask its managers to register it again.");
        http.Response.Headers.CacheControl = "private, no-store";
        return zip
            ? Results.Stream(body => ModelArchive.WriteZipAsync(folder, body, http.RequestAborted), ModelArchive.ZipContentType, $"{model.FolderId}.zip")
            : Results.Stream(body => ModelArchive.WriteTarAsync(folder, body, http.RequestAborted), ModelArchive.ContentType, $"{model.FolderId}.tar");
    }

    private static object LinkBody(DownloadLinkRow link) => new
    {
        link.Id, link.Expires, link.Created, createdBy = link.CreatedByName, link.Revoked, state = link.State.ToString().ToLowerInvariant(),
    };

    private static object Body(TrainedModelView view)
    {
        var m = view.Model;
        return new
        {
            m.Id, m.Name, folder = m.FolderId, apiModel = m.FolderId, m.WeightsSha256, m.Architecture, m.ParameterCount, m.ContextLength, m.BaseModel,
            m.Description, m.Registered, registeredBy = m.RegisteredByName, m.Version, card = view.CardUrl,
            withdrawn = m.Withdrawn is not { } w ? null : new { at = w.At, by = w.ByName, reason = w.Reason },
            lineage = view.Lineage is not { } l ? null : new
            {
                export = new { id = l.ExportId, format = l.ExportFormat, url = l.ExportUrl },
                experiment = new { id = l.ExperimentId, name = l.ExperimentName, url = l.ExperimentUrl },
                revisions = l.Revisions.Select(r => new { r.ConstitutionId, r.Slug, r.Revision, url = r.Url }),
            },
        };
    }

    private static Actor? Viewer(HttpContext http) => AccountsSetup.ToActor(http.User);

    private static Actor RequireActor(HttpContext http) =>
        AccountsSetup.ToActor(http.User) ?? throw new UnauthorizedAccessException("Sign in to register models or manage their registrations and download links.");
}

public static class TrainedModelsSetup
{
    public static WebApplicationBuilder AddTrainedModels(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddSingleton<TrainedModelViews>();
        builder.Services.AddSingleton<TrainedModelFolders>();
        return builder;
    }
}
