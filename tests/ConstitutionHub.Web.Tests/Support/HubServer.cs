using System.Net;
using AngleSharp.Html.Parser;
using ConstitutionHub.Testing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ConstitutionHub.Web.Tests.Support;

/// <summary>The real app on Kestrel (127.0.0.1, a free port) with a database of its own on the test PostgreSQL.</summary>
public sealed class HubServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private HubServer(WebApplication app, Uri address)
    {
        this.app = app;
        Address = address;
    }

    public Uri Address { get; }
    public IServiceProvider Services => app.Services;

    public static async Task<HubServer> StartAsync(string name, string environment = "Development", IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var config = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Hub"] = await TestPostgres.CreateDatabaseAsync(name),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>()) config[k] = v;
        return await StartWithAsync(config, environment, configure);
    }

    /// <param name="configure">Extra registrations, such as a scripted model catalog.</param>
    public static async Task<HubServer> StartWithAsync(IDictionary<string, string?> config, string environment = "Development",
        Action<WebApplicationBuilder>? configure = null)
    {
        var app = await HubApp.BuildAsync(["--urls", "http://127.0.0.1:0", "--environment", environment], builder =>
        {
            builder.Configuration.AddInMemoryCollection(config);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new HubServer(app, new Uri(address));
    }

    /// <summary>Waits until the async daemon (HotCold: this node, or another on the same database) has applied every
    /// event committed so far to the async projections (search index, activity, statistics).</summary>
    public Task AsyncProjectionsCaughtUpAsync() =>
        Marten.Events.TestingExtensions.WaitForNonStaleProjectionDataAsync(Services.GetRequiredService<Marten.IDocumentStore>(), TimeSpan.FromSeconds(90));

    public HttpClient Client(bool cookies = true) => Client(new CookieContainer(), cookies);

    /// <summary>A client on a cookie jar the test holds (to copy a cookie into another client, as an attacker would).</summary>
    public HttpClient Client(CookieContainer jar, bool cookies = true) =>
        new(new HttpClientHandler { CookieContainer = jar, UseCookies = cookies, AllowAutoRedirect = false })
        {
            BaseAddress = Address,
        };

    /// <summary>Signs in through the real local sign-in form (antiforgery token included).</summary>
    public async Task<HttpClient> SignedInClientAsync(string name)
    {
        var client = Client();
        var response = await PostLocalSignInAsync(client, name, "/");
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.ToString() != "/")
            throw new InvalidOperationException($"Sign-in failed: {(int)response.StatusCode} {response.Headers.Location}");
        return client;
    }

    /// <summary>The antiforgery token of a page's forms (the cookie half stays in the client).</summary>
    public static async Task<string> AntiforgeryTokenAsync(HttpClient client, string page = "/signin") =>
        new HtmlParser().ParseDocument(await client.GetStringAsync(page))
            .QuerySelector("input[name=__RequestVerificationToken]")?.GetAttribute("value")
        ?? throw new InvalidOperationException($"{page} has no form with an antiforgery token.");

    /// <summary>Posts the local sign-in form as a browser would.</summary>
    public static async Task<HttpResponseMessage> PostLocalSignInAsync(HttpClient client, string name, string returnUrl, string tokenPage = "/signin") =>
        await client.PostAsync("/auth/local", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await AntiforgeryTokenAsync(client, tokenPage), ["displayName"] = name, ["returnUrl"] = returnUrl,
        }));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
