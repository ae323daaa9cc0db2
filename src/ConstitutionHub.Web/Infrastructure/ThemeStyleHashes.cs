using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ConstitutionHub.Web.Components.Layout;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace ConstitutionHub.Web.Infrastructure;

/// <summary>
/// The Content-Security-Policy sources ('sha256-…') of the <c>style</c> elements MudThemeProvider writes, in the light
/// and the dark theme. The theme is fixed at build time (HubTheme), so the element's text is one of two strings: render
/// the provider once per theme, hash what it wrote, and the policy can allow exactly those two blocks instead of every
/// inline style. Browsers check a style element's text again whenever it changes, so switching theme on the circuit
/// (the provider rewrites its text) is covered by the same two hashes.
/// </summary>
public static partial class ThemeStyleHashes
{
    public static async Task<string> SourcesAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        await using var renderer = new HtmlRenderer(scope.ServiceProvider, scope.ServiceProvider.GetRequiredService<ILoggerFactory>());
        var sources = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var dark in new[] { false, true })
        {
            var html = await renderer.Dispatcher.InvokeAsync(async () =>
            {
                var parameters = ParameterView.FromDictionary(new Dictionary<string, object?> { ["Theme"] = HubTheme.Theme, ["IsDarkMode"] = dark });
                return (await renderer.RenderComponentAsync<HubThemeProvider>(parameters)).ToHtmlString();
            });
            foreach (Match style in StyleElement().Matches(html))
            {
                // The prerendered text is what the parser keeps (style is raw text); the circuit sets the decoded text.
                sources.Add(Source(style.Groups[1].Value));
                sources.Add(Source(WebUtility.HtmlDecode(style.Groups[1].Value)));
            }
        }
        if (sources.Count == 0) throw new InvalidOperationException("MudThemeProvider wrote no style element: the style-src hashes would allow nothing it needs.");
        return string.Join(' ', sources);
    }

    private static string Source(string text) => $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)))}'";

    [GeneratedRegex("<style[^>]*>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();
}
