// Web pages as a reader gets them, on loopback:
//  1. server time to first byte (response headers read), p50/p99 over sequential requests with a signed-in cookie
//     (the share page anonymously, as the public opens it);
//  2. Largest Contentful Paint in Debian's Chromium, cold cache (a fresh browser context per load), p50 of the loads;
//  3. the bytes of JavaScript and CSS each page loads, over the wire (encodedBodySize) and decoded.
// Pages: home, a constitution, the history of a constitution with 10,000 revisions, a chat, a public share page.
// The app runs in Development from the build output, as ./hub run starts it. The figures of one run are compared with
// those of another build (before / after a change) in the README, each run on the same machine.
// Usage: dotnet run -c Release --project bench/web [-- requests=200 loads=5 revisions=10000]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Cookie = Microsoft.Playwright.Cookie;

var options = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
var requests = options.GetValueOrDefault("requests", 200);
var loads = options.GetValueOrDefault("loads", 5);
var revisions = options.GetValueOrDefault("revisions", 10_000);

var root = Path.Combine(Path.GetTempPath(), $"chub-web-bench-{Guid.NewGuid():N}");
await using var pg = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
{
    RootDirectory = root, Database = "bench", Fsync = false, Port = 56000 + Environment.ProcessId % 1000,
});
var app = await HubApp.BuildAsync(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Hub"] = pg.ConnectionString,
        ["Logging:LogLevel:Default"] = "Warning",
        ["Sharing:RequestsPerMinute"] = "1000000",
    }));
await app.StartAsync();
try
{
    var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    var owner = new Actor("local:bench", "Bench");
    var pages = await SeedAsync(app.Services, owner, revisions);

    var cookies = new CookieContainer();
    using var client = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = address };
    await SignInAsync(client, "Bench");
    using var anonymous = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = address };

    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium", Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    });
    var browserCookies = cookies.GetAllCookies().Select(c => new Cookie { Name = c.Name, Value = c.Value, Domain = address.Host, Path = "/" }).ToList();

    Console.WriteLine($"{Environment.ProcessorCount} cores; {requests} requests and {loads} cold Chromium loads per page; loopback; " +
                      $"history of {revisions:N0} revisions; PostgreSQL fsync off");
    Console.WriteLine();
    Console.WriteLine("page | TTFB p50 / p99 ms | LCP p50 ms | JS KB wire / decoded | CSS KB wire / decoded | HTML KB");
    Console.WriteLine("-----|-------------------|------------|----------------------|-----------------------|--------");
    foreach (var (name, path, signedIn) in pages)
    {
        var http = signedIn ? client : anonymous;
        var ttfb = await TimeToFirstByteAsync(http, path, requests);
        var html = (await http.GetByteArrayAsync(path)).Length;
        var lcp = new List<double>();
        Weight? weight = null;
        for (var i = 0; i < loads; i++)
        {
            var load = await LoadAsync(browser, address, path, signedIn ? browserCookies : []);
            lcp.Add(load.Lcp);
            weight ??= load.Weight;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name} | {Pct(ttfb, 50):F2} / {Pct(ttfb, 99):F2} | {Pct(lcp, 50):F0} | {weight!.JsWire / 1024.0:F1} / {weight.JsDecoded / 1024.0:F1} | " +
            $"{weight.CssWire / 1024.0:F1} / {weight.CssDecoded / 1024.0:F1} | {html / 1024.0:F1}"));
    }
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    await pg.StopAsync();
    try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}
return 0;

// The baseline constitution (seeded by the app), a long one with many revisions, a finished chat and a snapshot link.
static async Task<List<(string Name, string Path, bool SignedIn)>> SeedAsync(IServiceProvider services, Actor owner, int revisions)
{
    var commands = services.GetRequiredService<ConstitutionCommands>();
    var text = "# Long history\n\n" + string.Concat(Enumerable.Range(0, 20).Select(s => $"## Section {s}\n\n{new string('w', 400)}\n\n"));
    await commands.CreateAsync(owner, new CreateConstitution("long", "Long history", "A constitution with many revisions", Visibility.Public, text, ""),
        Guid.NewGuid());
    var fill = Stopwatch.StartNew();
    for (var r = 2; r <= revisions; r++)
    {
        text = text.Replace($"Section {r % 20}\n\n", $"Section {r % 20}\n\nr{r} ", StringComparison.Ordinal);
        await commands.SaveAsync(owner, "long", text, $"r{r}", r - 1, Guid.NewGuid(), mergeIfStale: false);
    }
    Console.WriteLine($"wrote {revisions:N0} revisions in {fill.Elapsed.TotalSeconds:F0} s");

    var chats = services.GetRequiredService<ChatCommands>();
    var chat = await chats.StartAsync(owner, new StartChat("baseline", 1, new Dictionary<string, string>(),
        new ModelRecord("bench-model", new string('b', 64), "CPUExecutionProvider"), new SamplingRecord(0.7, 40, 0.95, 0.05, 1.1, 256, 1, [])),
        Guid.NewGuid());
    Guid? parent = null;
    for (var turn = 0; turn < 4; turn++)
    {
        var user = await chats.PostUserMessageAsync(owner, chat.Id, parent, $"Question {turn}: how should the model handle a request it disagrees with?",
            Guid.NewGuid());
        var reply = await chats.StartReplyAsync(owner, chat.Id, user, null, "bench", Guid.NewGuid());
        var answer = string.Concat(Enumerable.Repeat("It says so plainly, explains why, and offers what it can do instead. ", 12));
        await chats.AppendTokensAsync(Actor.System, chat.Id, reply, answer, 160, Guid.NewGuid());
        await chats.CompleteReplyAsync(Actor.System, chat.Id, reply, "stop", 900, 160, 40, 300, Guid.NewGuid());
        parent = reply;
    }
    var share = await services.GetRequiredService<ShareLinks>().CreateAsync(owner, chat.Id, ShareMode.Snapshot);
    return
    [
        ("home", "/", true),
        ("constitution", "/c/baseline", true),
        ($"history ({revisions:N0} revisions)", "/c/long/history", true),
        ("chat", $"/chats/{chat.Id}", true),
        ("share (anonymous)", $"/s/{share.Token}", false),
    ];
}

// The local sign-in form, as a browser posts it (antiforgery token from the page).
static async Task SignInAsync(HttpClient client, string name)
{
    var page = await client.GetStringAsync("/signin");
    var token = Regex.Match(page, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;
    var response = await client.PostAsync("/auth/local", new FormUrlEncodedContent(new Dictionary<string, string>
    {
        ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token), ["displayName"] = name, ["returnUrl"] = "/",
    }));
    if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"sign-in failed: {(int)response.StatusCode}");
}

static async Task<List<double>> TimeToFirstByteAsync(HttpClient client, string path, int requests)
{
    for (var i = 0; i < 20; i++) await client.GetByteArrayAsync(path);
    var times = new List<double>(requests);
    for (var i = 0; i < requests; i++)
    {
        var start = Stopwatch.GetTimestamp();
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{path}: {(int)response.StatusCode}");
        await response.Content.CopyToAsync(Stream.Null);
    }
    return times;
}

// One cold load: a fresh context (empty cache), LCP from the buffered PerformanceObserver entries after the load
// event, and the script and style bytes from Resource Timing.
static async Task<(double Lcp, Weight Weight)> LoadAsync(IBrowser browser, Uri address, string path, IReadOnlyList<Cookie> cookies)
{
    await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString() });
    if (cookies.Count > 0) await context.AddCookiesAsync(cookies);
    var page = await context.NewPageAsync();
    await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
    var lcp = await page.EvaluateAsync<double>("""
        () => new Promise(resolve => new PerformanceObserver(list => {
            const entries = list.getEntries();
            resolve(entries[entries.length - 1].startTime);
        }).observe({ type: "largest-contentful-paint", buffered: true }))
        """);
    var json = await page.EvaluateAsync<JsonElement>("""
        () => performance.getEntriesByType("resource").map(e => ({ name: e.name, type: e.initiatorType, wire: e.encodedBodySize, decoded: e.decodedBodySize }))
        """);
    long jsWire = 0, jsDecoded = 0, cssWire = 0, cssDecoded = 0;
    foreach (var e in json.EnumerateArray())
    {
        var name = new Uri(e.GetProperty("name").GetString()!).AbsolutePath;
        var wire = e.GetProperty("wire").GetInt64();
        var decoded = e.GetProperty("decoded").GetInt64();
        if (name.EndsWith(".js", StringComparison.Ordinal)) { jsWire += wire; jsDecoded += decoded; }
        else if (name.EndsWith(".css", StringComparison.Ordinal)) { cssWire += wire; cssDecoded += decoded; }
    }
    return (lcp, new Weight(jsWire, jsDecoded, cssWire, cssDecoded));
}

static double Pct(IEnumerable<double> values, int p)
{
    var sorted = values.Order().ToArray();
    return sorted[Math.Clamp((int)Math.Ceiling(p / 100.0 * sorted.Length) - 1, 0, sorted.Length - 1)];
}

internal sealed record Weight(long JsWire, long JsDecoded, long CssWire, long CssDecoded);
