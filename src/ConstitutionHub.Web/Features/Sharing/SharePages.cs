using ConstitutionHub.Core.Sharing;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>
/// The public share pages as static HTML: their components (<see cref="SharedChatPage"/>,
/// <see cref="SharedExperimentPage"/>) rendered on the server into a string, with no circuit and no blazor.web.js.
/// </summary>
public static class SharePages
{
    public const string ContentType = "text/html; charset=utf-8";

    /// <param name="baseUrl">scheme://host of this request, for the absolute URLs link previews need.</param>
    /// <param name="antiforgery">The "Continue as a copy" form's token, for a signed-in reader; null hides the form.</param>
    public static Task<string> ChatAsync(IServiceProvider services, SharedChat shared, string token, string baseUrl, AntiforgeryTokenSet? antiforgery) =>
        RenderAsync<SharedChatPage>(services, new Dictionary<string, object?>
        {
            [nameof(SharedChatPage.Shared)] = shared, [nameof(SharedChatPage.Token)] = token, [nameof(SharedChatPage.BaseUrl)] = baseUrl,
            [nameof(SharedChatPage.Antiforgery)] = antiforgery,
        });

    /// <param name="baseUrl">scheme://host of this request, for the absolute URLs link previews need.</param>
    public static Task<string> ExperimentAsync(IServiceProvider services, SharedExperiment shared, string token, string baseUrl) =>
        RenderAsync<SharedExperimentPage>(services, new Dictionary<string, object?>
        {
            [nameof(SharedExperimentPage.Shared)] = shared, [nameof(SharedExperimentPage.Token)] = token,
            [nameof(SharedExperimentPage.BaseUrl)] = baseUrl,
        });

    /// <summary>Every unknown, revoked, expired or malformed link gets exactly these bytes.</summary>
    public const string NotFound = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex, nofollow">
        <title>Link not found · ConstitutionHub</title>
        <link rel="stylesheet" href="/css/site.css">
        </head>
        <body class="share-body-page">
        <main class="share share-gone">
        <h1 class="share-title">This link does not exist or no longer works</h1>
        <p>It may have been mistyped, revoked by the person who shared it, or it may have expired.</p>
        <p><a href="/">Go to ConstitutionHub</a></p>
        </main>
        </body>
        </html>

        """;

    private static async Task<string> RenderAsync<TPage>(IServiceProvider services, Dictionary<string, object?> parameters) where TPage : IComponent
    {
        await using var renderer = new HtmlRenderer(services, services.GetRequiredService<ILoggerFactory>());
        return await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<TPage>(ParameterView.FromDictionary(parameters))).ToHtmlString());
    }
}
