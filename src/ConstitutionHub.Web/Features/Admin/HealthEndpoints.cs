using System.Globalization;
using System.Net;
using System.Text;
using ConstitutionHub.Core.Streams;

namespace ConstitutionHub.Web.Features.Admin;

/// <summary>
/// The event store's health: events and streams, the daemon's high-water mark and how far each async projection is
/// behind it. <c>/admin/health</c> for people (plain HTML, no script), <c>/api/health</c> for monitors: 200 while
/// every async projection is within <c>Health:MaxLag</c> events (default 10,000), 503 otherwise. Counts only, nothing
/// private, so no sign-in is asked for.
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/health", Json);
        app.MapGet("/admin/health", Page);
        return app;
    }

    private static long MaxLag(IConfiguration configuration) => configuration.GetValue("Health:MaxLag", 10_000L);

    private static async Task<IResult> Json(ProjectionHealth health, IConfiguration configuration, CancellationToken ct)
    {
        var state = await health.ReadAsync(ct);
        var healthy = state.MaxLag <= MaxLag(configuration);
        return Results.Json(new
        {
            status = healthy ? "ok" : "lagging",
            events = state.Events,
            streams = state.Streams,
            lastSequence = state.LastSequence,
            highWaterMark = state.HighWaterMark,
            projections = state.Projections.Select(p => new { name = p.Shard, sequence = p.Sequence, lag = p.Lag }),
        }, statusCode: healthy ? 200 : 503);
    }

    private static async Task<IResult> Page(ProjectionHealth health, IConfiguration configuration, CancellationToken ct)
    {
        var state = await health.ReadAsync(ct);
        var limit = MaxLag(configuration);
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"""
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
            <title>Health · ConstitutionHub</title><link rel="stylesheet" href="/css/site.css"></head>
            <body class="hub-plain-page"><h1>Event store health</h1>
            <p data-testid="totals">{state.Events:N0} events in {state.Streams:N0} streams; last sequence {state.LastSequence:N0},
            high-water mark {state.HighWaterMark:N0}.</p>
            <table class="hub-plain-table" data-testid="projections"><thead><tr><th scope="col">Async projection</th><th scope="col">At sequence</th>
            <th scope="col">Behind by (events)</th><th scope="col">State</th></tr></thead><tbody>
            """);
        foreach (var p in state.Projections)
        {
            html.Append(CultureInfo.InvariantCulture, $"""
                <tr><td>{WebUtility.HtmlEncode(p.Shard)}</td><td>{p.Sequence:N0}</td><td>{p.Lag:N0}</td><td>{(p.Lag <= limit ? "ok" : "lagging")}</td></tr>
                """);
        }
        html.Append("""
            </tbody></table><p>Inline projections (constitutions, chats, share links) are written with each append and never lag.
            Rebuild a projection from its events with <code>dotnet ConstitutionHub.Web.dll projections --rebuild</code>.</p></body></html>
            """);
        return Results.Content(html.ToString(), "text/html; charset=utf-8");
    }
}
