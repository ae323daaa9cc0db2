using System.Globalization;
using System.Text.Json;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Features.Accounts;
using Microsoft.AspNetCore.Http.Features;

namespace ConstitutionHub.Web.Features.Constitutions;

public sealed record RevisionPost(string? Markdown, string? Summary, Guid? CommandId);
public sealed record ConstitutionPost(string? Slug, string? Title, string? Summary, string? Visibility, string? Markdown, Guid? CommandId);

/// <summary>
/// The JSON API for scripts. Versions travel as ETags of the form <c>"r{revision}"</c>: read one, send it back in
/// <c>If-Match</c> when posting a revision, and get 409 if someone saved in between.
/// </summary>
public static class ConstitutionsApi
{
    private const long MaxBodyBytes = 2 * 1024 * 1024; // 1 MiB of Markdown, JSON-escaped

    public static IEndpointRouteBuilder MapConstitutionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/constitutions").DisableAntiforgery();
        api.MapGet("", List);
        api.MapPost("", Create);
        api.MapGet("{slug}", Get);
        api.MapGet("{slug}/revisions", History);
        api.MapPost("{slug}/revisions", PostRevision);
        api.MapGet("{slug}/revisions/{number:int}", GetRevision);
        api.MapGet("{slug}/sections", Sections);
        api.MapGet("{slug}/prompt", Prompt);
        api.MapGet("{slug}/stats", Stats);
        app.MapGet("/api/activity", Activity);
        return app;
    }

    /// <summary>Counts from the async statistics projection: a moment behind the newest save.</summary>
    private static async Task<IResult> Stats(HttpContext http, ConstitutionQueries queries, string slug) => await Guarded(async () =>
    {
        var row = DocumentAccess.EnsureRead(await queries.BySlugAsync(slug), AccountsSetup.ToActor(http.User));
        var stats = await queries.StatsAsync(row.Id);
        return Results.Ok(stats ?? new ConstitutionStats(0, 0, 0, 0, 0, 0, 0, row.Created));
    });

    /// <summary>The activity feed (async projection), newest first; <c>before</c> is the cursor of the next page.</summary>
    private static async Task<IResult> Activity(HttpContext http, Core.Activity.ActivityQueries activity, ConstitutionQueries queries,
        string? slug, long? before, int? limit) => await Guarded(async () =>
    {
        var viewer = AccountsSetup.ToActor(http.User);
        Guid? constitutionId = null;
        if (!string.IsNullOrWhiteSpace(slug)) constitutionId = DocumentAccess.EnsureRead(await queries.BySlugAsync(slug), viewer).Id;
        return Results.Ok(await activity.RecentAsync(viewer?.Id, constitutionId, before, limit ?? 50));
    });

    private static async Task<IResult> List(HttpContext http, ConstitutionQueries queries, string? q)
    {
        var viewer = AccountsSetup.ToActor(http.User);
        if (!string.IsNullOrWhiteSpace(q))
            return Results.Ok((await queries.SearchAsync(q, viewer?.Id)).Select(h => Summary(h.Constitution)));
        return Results.Ok((await queries.RecentAsync(viewer?.Id, 200)).Select(Summary));
    }

    private static async Task<IResult> Get(HttpContext http, ConstitutionQueries queries, string slug) => await Guarded(async () =>
    {
        var row = DocumentAccess.EnsureRead(await queries.BySlugAsync(slug), AccountsSetup.ToActor(http.User));
        var head = await queries.RevisionAsync(row.Id, row.HeadRevision);
        var labels = await queries.LabelsAsync(row.Id);
        http.Response.Headers.ETag = ETag(row.HeadRevision);
        return Results.Ok(new
        {
            constitution = Summary(row),
            labels = labels.ToDictionary(l => l.Name, l => l.Revision),
            head = head is null ? null : RevisionBody(head),
        });
    });

    private static async Task<IResult> History(HttpContext http, ConstitutionQueries queries, string slug, int? before, int? limit) => await Guarded(async () =>
    {
        var row = DocumentAccess.EnsureRead(await queries.BySlugAsync(slug), AccountsSetup.ToActor(http.User));
        if (limit is < 1 or > 500) throw new ValidationException("limit", "limit is between 1 and 500.");
        var rows = await queries.HistoryAsync(row.Id, before, limit ?? 50);
        return Results.Ok(new { revisions = rows, next = rows.Count > 0 && rows[^1].Number > 1 ? rows[^1].Number : (int?)null });
    });

    private static async Task<IResult> GetRevision(HttpContext http, ConstitutionQueries queries, string slug, int number) => await Guarded(async () =>
    {
        var row = DocumentAccess.EnsureRead(await queries.BySlugAsync(slug), AccountsSetup.ToActor(http.User));
        var revision = await queries.RevisionAsync(row.Id, number) ?? throw new NotFoundException($"Revision {number} does not exist.");
        http.Response.Headers.ETag = ETag(number);
        return Results.Ok(RevisionBody(revision));
    });

    private static async Task<IResult> Sections(HttpContext http, ConstitutionQueries queries, string slug, int? rev) => await Guarded(async () =>
    {
        var row = DocumentAccess.EnsureRead(await queries.BySlugAsync(slug), AccountsSetup.ToActor(http.User));
        var revision = await queries.RevisionAsync(row.Id, rev ?? row.HeadRevision) ?? throw new NotFoundException($"Revision {rev} does not exist.");
        return Results.Ok(new { revision = revision.Info.Number, sections = revision.Sections });
    });

    /// <summary>The compiled system prompt; the recipe is given as query pairs <c>sectionId=variant</c> (or <c>-</c> to omit).</summary>
    private static async Task<IResult> Prompt(HttpContext http, ConstitutionQueries queries, string slug, int? rev) => await Guarded(async () =>
    {
        var row = DocumentAccess.EnsureRead(await queries.BySlugAsync(slug), AccountsSetup.ToActor(http.User));
        var revision = await queries.RevisionAsync(row.Id, rev ?? row.HeadRevision) ?? throw new NotFoundException($"Revision {rev} does not exist.");
        var choices = http.Request.Query.Where(q => q.Key != "rev").ToDictionary(q => q.Key, q => q.Value.ToString());
        try
        {
            var prompt = PromptCompiler.Compile(revision.Markdown, revision.Sections, new Recipe(choices));
            return Results.Ok(new { revision = revision.Info.Number, prompt.Hash, prompt.Text, prompt.Choices });
        }
        catch (ArgumentException e)
        {
            throw new ValidationException("recipe", e.Message);
        }
    });

    private static async Task<IResult> Create(HttpContext http, ConstitutionCommands commands) => await Guarded(async () =>
    {
        var actor = RequireActor(http);
        var body = await ReadJson<ConstitutionPost>(http);
        if (!DocumentAccess.TryParseVisibility(body.Visibility ?? "public", out var visibility))
            throw new ValidationException("visibility", "visibility is one of public, unlisted, private.");
        var row = await commands.CreateAsync(actor, new CreateConstitution(body.Slug ?? "", body.Title ?? "", body.Summary ?? "", visibility,
            body.Markdown ?? "", "Created"), body.CommandId ?? Guid.NewGuid());
        http.Response.Headers.ETag = ETag(row.HeadRevision);
        return Results.Created($"/api/constitutions/{row.Slug}", Summary(row));
    });

    private static async Task<IResult> PostRevision(HttpContext http, ConstitutionCommands commands, ConstitutionQueries queries, string slug) =>
        await Guarded(async () =>
        {
            var actor = RequireActor(http);
            // Who may edit is answered before what was sent is judged, so a missing If-Match tells a reader nothing.
            DocumentAccess.EnsureEdit(await queries.BySlugAsync(slug), actor);
            var ifMatch = http.Request.Headers.IfMatch.ToString();
            if (string.IsNullOrEmpty(ifMatch))
                return Problem(StatusCodes.Status428PreconditionRequired, "If-Match required",
                    "Send the ETag of the revision you edited in If-Match (for example \"r3\"), so concurrent edits are not lost.");
            var expected = ParseETag(ifMatch) ?? throw new ValidationException("If-Match", "If-Match must be an ETag such as \"r3\".");
            var body = await ReadJson<RevisionPost>(http);
            try
            {
                var result = await commands.SaveAsync(actor, slug, body.Markdown ?? "", body.Summary ?? "", expected,
                    body.CommandId ?? Guid.NewGuid(), mergeIfStale: false);
                http.Response.Headers.ETag = ETag(result.Revision);
                return result.Unchanged
                    ? Results.Ok(new { revision = result.Revision, unchanged = true })
                    : Results.Created($"/api/constitutions/{slug}/revisions/{result.Revision}", new { revision = result.Revision, unchanged = false });
            }
            catch (WrongExpectedVersionException e)
            {
                http.Response.Headers.ETag = ETag((int)e.Actual);
                return Problem(StatusCodes.Status409Conflict, "Edit conflict",
                    $"The constitution is at revision {e.Actual}, not {e.Expected}. Fetch it, merge your change and post again.");
            }
        });

    internal static Actor RequireActor(HttpContext http) =>
        AccountsSetup.ToActor(http.User) ?? throw new UnauthorizedAccessException("Sign in to change constitutions.");

    internal static async Task<T> ReadJson<T>(HttpContext http)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit) limit.MaxRequestBodySize = MaxBodyBytes;
        if (http.Request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
            throw new ValidationException("Content-Type", "Send JSON with Content-Type: application/json.");
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(http.Request.Body, HubJson.Options)
                ?? throw new ValidationException("body", "The body is empty.");
        }
        catch (JsonException e)
        {
            throw new ValidationException("body", $"The body is not valid JSON: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw new ValidationException("body", $"The body is larger than {MaxBodyBytes:N0} bytes.");
        }
    }

    /// <summary>Turns the domain's refusals into HTTP answers with a reason.</summary>
    internal static async Task<IResult> Guarded(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (ValidationException e)
        {
            return Results.Problem(statusCode: 400, title: "Invalid request", detail: e.Message,
                extensions: new Dictionary<string, object?> { ["field"] = e.Field });
        }
        catch (NotFoundException e)
        {
            return Problem(404, "Not found", e.Message);
        }
        catch (ForbiddenException e)
        {
            return Problem(403, "Forbidden", e.Message);
        }
        catch (ConflictException e)
        {
            return Problem(409, "Conflict", e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return Problem(401, "Sign in required", e.Message);
        }
    }

    private static IResult Problem(int status, string title, string detail) => Results.Problem(statusCode: status, title: title, detail: detail);

    private static string ETag(int revision) => $"\"r{revision}\"";

    internal static int? ParseETag(string value)
    {
        value = value.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        value = value.Trim('"');
        if (value.StartsWith('r')) value = value[1..];
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : null;
    }

    private static object Summary(ConstitutionRow c) => new
    {
        c.Slug, c.Title, c.Summary, visibility = c.Visibility.ToString().ToLowerInvariant(), owner = c.OwnerName,
        headRevision = c.HeadRevision, c.Created, c.Updated,
        forkedFrom = c.ForkedFromSlug is null ? null : new { slug = c.ForkedFromSlug, revision = c.ForkedFromRevision },
    };

    private static object RevisionBody(Revision r) => new
    {
        number = r.Info.Number, author = r.Info.AuthorName, created = r.Info.Created, summary = r.Info.Summary, size = r.Info.Size,
        sizeDelta = r.Info.SizeDelta, restoredFrom = r.Info.RestoredFrom, merged = r.Info.Merged, markdown = r.Markdown, sections = r.Sections,
    };
}
