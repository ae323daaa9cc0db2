using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Web.Features.Accounts;

namespace ConstitutionHub.Web.Features.Research;

/// <summary>State of the research reports for one constitution or every one the viewer may read, and their exports.</summary>
public sealed class ResearchReports(ConstitutionQueries constitutions, AnnotationQueries annotations)
{
    public async Task<ResearchReport?> ForAsync(string slug, Actor? viewer, FindingStatus? status = null, FindingStrength? strength = null)
    {
        var row = await constitutions.BySlugAsync(slug);
        if (row is null || !AnnotationAccess.CanRead(row, viewer)) return null;
        return await Build(row, status, strength);
    }

    /// <summary>Every constitution the viewer may read that has findings passing the filters, most recently changed first.</summary>
    public async Task<IReadOnlyList<ResearchReport>> AllAsync(Actor? viewer, FindingStatus? status = null, FindingStrength? strength = null)
    {
        var reports = new List<ResearchReport>();
        foreach (var row in await constitutions.RecentAsync(viewer?.Id, 200))
        {
            if (!AnnotationAccess.CanRead(row, viewer)) continue;
            var report = await Build(row, status, strength);
            if (report.Count > 0) reports.Add(report);
        }
        return reports;
    }

    private async Task<ResearchReport> Build(ConstitutionRow row, FindingStatus? status, FindingStrength? strength)
    {
        var head = (await constitutions.RevisionAsync(row.Id, row.HeadRevision))?.Sections ?? [];
        var findings = await annotations.CurrentAsync(row.Id, AnnotationKind.Finding);
        return ResearchReport.Build(row, head, findings, status, strength);
    }

    public static IEndpointRouteBuilder MapResearchExports(IEndpointRouteBuilder app)
    {
        app.MapGet("/c/{slug}/research.md", async (HttpContext http, ResearchReports reports, string slug, string? status, string? strength) =>
        {
            if (!Filters(status, strength, out var s, out var t, out var problem)) return problem!;
            var report = await reports.ForAsync(slug, AccountsSetup.ToActor(http.User), s, t);
            return report is null ? Results.NotFound() : Results.Text(report.ToMarkdown(BaseUrl(http)), "text/markdown; charset=utf-8");
        });
        app.MapGet("/c/{slug}/research.json", async (HttpContext http, ResearchReports reports, string slug, string? status, string? strength) =>
        {
            if (!Filters(status, strength, out var s, out var t, out var problem)) return problem!;
            var report = await reports.ForAsync(slug, AccountsSetup.ToActor(http.User), s, t);
            return report is null ? Results.NotFound() : Results.Json(report, HubJson.Options);
        });
        app.MapGet("/research.md", async (HttpContext http, ResearchReports reports, string? status, string? strength) =>
        {
            if (!Filters(status, strength, out var s, out var t, out var problem)) return problem!;
            var all = await reports.AllAsync(AccountsSetup.ToActor(http.User), s, t);
            return Results.Text(string.Join("\n", all.Select(r => r.ToMarkdown(BaseUrl(http)))), "text/markdown; charset=utf-8");
        });
        app.MapGet("/research.json", async (HttpContext http, ResearchReports reports, string? status, string? strength) =>
        {
            if (!Filters(status, strength, out var s, out var t, out var problem)) return problem!;
            return Results.Json(await reports.AllAsync(AccountsSetup.ToActor(http.User), s, t), HubJson.Options);
        });
        return app;
    }

    /// <summary>Filters from the query string (snake_case, as the JSON spells them); a wrong one is a 400 with the reason.</summary>
    public static bool Filters(string? status, string? strength, out FindingStatus? s, out FindingStrength? t, out IResult? problem)
    {
        s = null;
        t = null;
        problem = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<FindingStatus>(status.Replace("_", ""), ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                problem = Results.Problem(statusCode: 400, title: "Invalid request", detail: "status is proposed, supported, contested or refuted.");
                return false;
            }
            s = parsed;
        }
        if (!string.IsNullOrEmpty(strength))
        {
            if (!Enum.TryParse<FindingStrength>(strength.Replace("_", ""), ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
            {
                problem = Results.Problem(statusCode: 400, title: "Invalid request", detail: "strength is anecdote, small_test or experiment.");
                return false;
            }
            t = parsed;
        }
        return true;
    }

    private static string BaseUrl(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}";
}
