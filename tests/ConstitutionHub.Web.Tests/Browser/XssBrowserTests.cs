using System.Net;
using System.Net.Http.Json;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Browser;

/// <summary>
/// The XSS corpus through the whole pipeline (API, event store, renderer, page) into Chromium, with the page's
/// Content-Security-Policy switched off so that only the renderer stands between a payload and the browser.
/// </summary>
public sealed class XssBrowserTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(XssBrowserTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static IReadOnlyList<string> Corpus() =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "xss-corpus.txt")).Replace("\r\n", "\n", StringComparison.Ordinal)
            .TrimEnd('\n').Split("\n----\n");

    [Fact]
    public async Task No_payload_of_the_corpus_runs_script_in_a_real_browser()
    {
        var all = Corpus();
        Assert.True(all.Count >= 60, $"the corpus has only {all.Count} payloads");
        var client = await server.SignedInClientAsync("Mallory");

        // Payloads that break the variant syntax never get stored: the save path refuses them with a reason.
        var refused = all.Where(p => VariantValidator.Validate(p).Count > 0).ToList();
        foreach (var payload in refused)
        {
            var response = await client.PostAsJsonAsync("/api/constitutions", new { slug = $"refused-{Guid.NewGuid():N}"[..20], title = "x", markdown = payload });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        var corpus = all.Except(refused).ToList();
        var markdown = "# XSS corpus\n\n" + string.Join("\n\n", corpus.Select((p, i) => $"## Payload {i + 1}\n\n{p}\n"));
        var created = await client.PostAsJsonAsync("/api/constitutions", new { slug = "xss", title = "XSS", markdown });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var context = await (await Chromium.SharedAsync()).NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = server.Address.ToString(),
            BypassCSP = true,
        });
        var page = await context.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) => { dialogs.Add(dialog.Message); await dialog.DismissAsync(); };
        // Any payload that runs calls one of these (the corpus uses alert/confirm/prompt/fetch of evil.example).
        await page.AddInitScriptAsync("""
            window.__xss = [];
            for (const name of ['alert', 'confirm', 'prompt', 'print']) {
              window[name] = (...args) => { window.__xss.push(name + ':' + args.join(',')); };
            }
            """);
        var evilRequests = new List<string>();
        // Images may come from other sites (img-src https:); scripts, frames and fetches may not.
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(server.Address.ToString(), StringComparison.Ordinal) && request.ResourceType != "image")
                evilRequests.Add($"{request.ResourceType} {request.Url}");
        };

        await page.GotoAsync("/c/xss");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var article = page.GetByTestId("document");
        await Assertions.Expect(article).ToContainTextAsync($"Payload {corpus.Count}");

        // Every link and image resolves, by the browser's own URL parser, to a harmless scheme.
        var schemes = await article.EvaluateAsync<string[]>("""
            el => [...el.querySelectorAll('a[href], img[src]')]
              .map(n => { try { return new URL(n.getAttribute('href') ?? n.getAttribute('src'), location.href).protocol; }
                           catch { return 'unparseable'; /* a browser cannot follow it at all */ } })
            """);
        Assert.All(schemes, scheme => Assert.Contains(scheme, new[] { "http:", "https:", "mailto:", "unparseable" }));

        var executed = await page.EvaluateAsync<string[]>("window.__xss");
        var elements = await article.EvaluateAsync<string[]>("""
            el => [...el.querySelectorAll('*')].flatMap(n =>
              [ ...(['SCRIPT','IFRAME','OBJECT','EMBED','STYLE','BASE','META','LINK','FORM'].includes(n.tagName) ? [n.tagName] : []),
                ...[...n.attributes].filter(a => a.name.startsWith('on') || a.name === 'style' || a.name === 'srcdoc').map(a => n.tagName + '@' + a.name) ])
            """);
        Assert.Empty(executed);
        Assert.Empty(dialogs);
        Assert.Empty(elements);
        Assert.Empty(evilRequests);
        await context.CloseAsync();
    }
}
