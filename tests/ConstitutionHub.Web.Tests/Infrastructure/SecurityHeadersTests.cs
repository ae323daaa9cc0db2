using System.Net;
using System.Net.Http.Json;
using AngleSharp.Html.Parser;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Infrastructure;

/// <summary>The response headers every page and API answer carries, in Development and in Production.</summary>
public sealed class SecurityHeadersTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(SecurityHeadersTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static string Csp(HttpResponseMessage response) => string.Join(";", response.Headers.GetValues("Content-Security-Policy"));

    private static string Directive(string csp, string name) =>
        csp.Split(';', StringSplitOptions.TrimEntries).Single(d => d.StartsWith(name + " ", StringComparison.Ordinal));

    [Fact]
    public async Task Api_answers_are_not_stored_and_pages_allow_only_our_own_origin_and_no_device_features()
    {
        var client = await server.SignedInClientAsync("Header Reader");

        var api = await client.GetAsync("/api/constitutions/baseline");
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.True(api.Headers.CacheControl is { Private: true, NoStore: true }, $"Cache-Control: {api.Headers.CacheControl}");
        var models = await client.GetAsync("/v1/models");
        Assert.True(models.Headers.CacheControl is { Private: true, NoStore: true }, $"Cache-Control: {models.Headers.CacheControl}");

        var page = await client.GetAsync("/c/baseline");
        var csp = Csp(page);
        Assert.Equal("connect-src 'self'", Directive(csp, "connect-src"));
        Assert.Equal("img-src 'self' data:", Directive(csp, "img-src"));
        var permissions = string.Join(",", page.Headers.GetValues("Permissions-Policy"));
        foreach (var feature in new[] { "camera", "microphone", "geolocation", "payment", "usb" })
            Assert.Contains($"{feature}=()", permissions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remote_images_in_a_document_are_links_naming_their_host_and_the_policy_blocks_them()
    {
        var client = await server.SignedInClientAsync("Image Poster");
        var created = await client.PostAsJsonAsync("/api/constitutions", new
        {
            slug = "remote-images", title = "Remote images",
            markdown = "# Remote images\n\n## Pixel\n\nRead me ![tracking pixel](https://tracker.example/p.gif?who=reader) now.\n",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var response = await client.GetAsync("/c/remote-images");
        var document = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());

        Assert.DoesNotContain(document.QuerySelectorAll("img"), img => (img.GetAttribute("src") ?? "").Contains("tracker.example", StringComparison.Ordinal));
        var placeholder = Assert.Single(document.QuerySelectorAll("a.hub-remote-image"));
        Assert.Equal("https://tracker.example/p.gif?who=reader", placeholder.GetAttribute("href"));
        Assert.Contains("tracker.example", placeholder.TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("https:", Directive(Csp(response), "img-src"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_sends_hsts_behind_a_tls_proxy_and_marks_every_cookie_secure()
    {
        // Production insists on an https authority; it is never contacted, as no sign-in starts here.
        var settings = OidcProvider.AppSettings(port: 9);
        settings["Auth:Oidc:Authority"] = "https://127.0.0.1:9";
        settings["Hub:TrustedProxies:0"] = "127.0.0.1";
        await using var production = await HubServer.StartAsync("production_headers", environment: "Production", settings: settings);
        var client = production.Client();

        var cookies = new List<string>();
        HttpResponseMessage? signIn = null;
        foreach (var path in new[] { "/signin", "/", "/c/baseline" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            // What the TLS proxy (infra/nginx.conf) forwards for https://hub.example.
            request.Headers.Host = "hub.example";
            request.Headers.Add("X-Forwarded-Proto", "https");
            request.Headers.Add("X-Forwarded-For", "203.0.113.5");
            var response = await client.SendAsync(request);
            signIn ??= response;
            if (response.Headers.TryGetValues("Set-Cookie", out var set)) cookies.AddRange(set);
        }

        Assert.Equal(HttpStatusCode.OK, signIn!.StatusCode);
        Assert.True(signIn.Headers.TryGetValues("Strict-Transport-Security", out var hsts), $"No HSTS among: {signIn.Headers}");
        Assert.StartsWith("max-age=", string.Join(",", hsts), StringComparison.Ordinal);
        Assert.NotEmpty(cookies);
        Assert.All(cookies, cookie => Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase));
    }
}
