// The Read page of the baseline-sized constitution with 1,000 annotations, against its peer: the same text on the
// same server with none (the bare page), loaded interleaved so load hits both alike. For each, the median of N cold
// loads (a fresh Chromium context each) of:
//  1. HTTP: the prerendered page over HttpClient, request to last byte (what the server spends before the browser
//     has anything);
//  2. live layer: navigation start until the circuit has rendered the annotation layer (its count shows every thread
//     and, with annotations, the highlights are in the text), read from performance.now() in the page;
//  3. LCP: the last 'largest-contentful-paint' entry of a buffered PerformanceObserver after the load event.
// The reader is anonymous (a public constitution). Usage: bench/annotations/read-page.sh [annotations=1000 loads=5]
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web;
using ConstitutionHub.Web.Features.Constitutions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

var options = args.Select(a => a.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
var count = options.GetValueOrDefault("annotations", 1000);
var loads = options.GetValueOrDefault("loads", 5);

var root = Path.Combine(Path.GetTempPath(), $"chub-read-bench-{Guid.NewGuid():N}");
await using var pg = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions
{
    RootDirectory = root, Database = "bench", Fsync = false, Port = 57000 + Environment.ProcessId % 1000,
});
var app = await HubApp.BuildAsync(["--urls", "http://127.0.0.1:0", "--environment", "Development"], builder =>
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:Hub"] = pg.ConnectionString,
        ["Logging:LogLevel:Default"] = "Warning",
    }));
await app.StartAsync();
try
{
    var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    await SeedAsync(app.Services, count);

    using var http = new HttpClient { BaseAddress = address };
    using var playwright = await Playwright.CreateAsync();
    await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium", Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
    });

    var pages = new (string Name, string Path, int Annotations)[] { ("bare (peer)", "/c/bare", 0), ($"{count:N0} annotations", "/c/annotated", count) };
    var results = pages.ToDictionary(p => p.Name, _ => (Http: new List<double>(), Live: new List<double>(), Lcp: new List<double>()));
    // One warm-up load of each (JIT, caches), then the measured loads, interleaved.
    foreach (var page in pages) await LoadAsync(browser, address, page.Path, page.Annotations);
    for (var i = 0; i < loads; i++)
    {
        foreach (var page in pages)
        {
            var start = Stopwatch.GetTimestamp();
            var html = await http.GetStringAsync(page.Path);
            results[page.Name].Http.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (!html.Contains("data-testid=\"document\"", StringComparison.Ordinal)) throw new InvalidOperationException($"{page.Path} has no document");
            var (live, lcp) = await LoadAsync(browser, address, page.Path, page.Annotations);
            results[page.Name].Live.Add(live);
            results[page.Name].Lcp.Add(lcp);
        }
    }

    Console.WriteLine($"{Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}; Read page of the baseline " +
                      $"({BaselineSeeder.BaselineText().Length:N0} chars), medians of {loads} cold loads, anonymous reader, loopback, fsync off");
    Console.WriteLine();
    Console.WriteLine("page | HTTP ms | live layer ms | LCP ms");
    Console.WriteLine("-----|---------|---------------|-------");
    foreach (var page in pages)
    {
        var r = results[page.Name];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{page.Name} | {Median(r.Http):F1} | {Median(r.Live):F0} | {Median(r.Lcp):F0}"));
    }
    var (bare, annotated) = (results[pages[0].Name], results[pages[1].Name]);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ratio annotated/bare | {Median(annotated.Http) / Median(bare.Http):F2}x | {Median(annotated.Live) / Median(bare.Live):F2}x | {Median(annotated.Lcp) / Median(bare.Lcp):F2}x"));

    // After the timed loads (a listener costs a little on every command): how often one page open reads the threads,
    // counted from Npgsql's own tracing, for the prerender alone (HTTP) and for a whole open in Chromium.
    var prerender = await CountReadsAsync(() => http.GetStringAsync("/c/annotated"));
    var open = await CountReadsAsync(() => LoadAsync(browser, address, "/c/annotated", count));
    var bytes = (await http.GetByteArrayAsync("/c/annotated")).Length;
    Console.WriteLine();
    Console.WriteLine($"thread reads per open of the annotated page: prerender {prerender.Threads}, whole open {open.Threads} " +
                      $"(database commands: {prerender.Commands}, {open.Commands}); prerendered page {bytes / 1024.0:F0} KiB");
}
finally
{
    await app.StopAsync();
    await app.DisposeAsync();
    await pg.StopAsync();
    try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
}
return 0;

// Two constitutions with the baseline text; one gets the annotations on random word runs of its sections.
static async Task SeedAsync(IServiceProvider services, int count)
{
    var documents = services.GetRequiredService<ConstitutionCommands>();
    var owner = new Actor("local:bench", "Bench");
    var text = BaselineSeeder.BaselineText();
    await documents.CreateAsync(owner, new CreateConstitution("bare", "Bare", "", Visibility.Public, text, ""), Guid.NewGuid());
    var annotated = await documents.CreateAsync(owner, new CreateConstitution("annotated", "Annotated", "", Visibility.Public, text, ""), Guid.NewGuid());
    var (_, doc) = (await services.GetRequiredService<RevisionTexts>().GetAsync(annotated.Id, 1))!.Value;
    var sections = doc.Sections.Where(s => s.Text.Length > 40).ToArray();
    var random = new Random(12);
    var commands = services.GetRequiredService<AnnotationCommands>();
    var kinds = new[] { AnnotationKind.Comment, AnnotationKind.Question, AnnotationKind.Comment };
    var timer = Stopwatch.StartNew();
    var made = new List<NewAnnotation>();
    while (made.Count < count)
    {
        var section = sections[random.Next(sections.Length)];
        var words = Regex.Matches(section.Text, @"\S+");
        var first = random.Next(words.Count);
        var last = Math.Min(words.Count - 1, first + random.Next(1, 6));
        var anchor = TextAnchor.At(section, words[first].Index, words[last].Index + words[last].Length);
        made.Add(new NewAnnotation(1, section.Id, anchor.Exact, anchor.Start, kinds[made.Count % kinds.Length], $"Note {made.Count}: is this right?"));
    }
    // A few writers at once, as readers annotate: appends go out in groups.
    foreach (var batch in made.Chunk(16))
        await Task.WhenAll(batch.Select(a => commands.CreateAsync(new Actor($"local:reader{random.Next(20)}", "Reader"), "annotated", a, Guid.NewGuid())));
    Console.WriteLine($"made {count:N0} annotations in {timer.Elapsed.TotalSeconds:F1} s");
}

// Runs one page open with a listener on Npgsql's activity source: the commands it ran, and those that read the
// threads of a revision (AnnotationQueries.ForRevisionAsync, by its join).
static async Task<(int Threads, int Commands)> CountReadsAsync(Func<Task> open)
{
    var (threads, commands) = (0, 0);
    using var listener = new ActivityListener
    {
        ShouldListenTo = source => source.Name == "Npgsql",
        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
        ActivityStopped = activity =>
        {
            Interlocked.Increment(ref commands);
            if (activity.GetTagItem("db.query.text") is string sql && sql.Contains("x.revision = @revision", StringComparison.Ordinal))
                Interlocked.Increment(ref threads);
        },
    };
    ActivitySource.AddActivityListener(listener);
    await open();
    return (threads, commands);
}

// One cold load: navigation, then until the circuit shows the layer with every thread (and the highlights when there
// are any), then LCP.
static async Task<(double Live, double Lcp)> LoadAsync(IBrowser browser, Uri address, string path, int annotations)
{
    await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = address.ToString() });
    context.SetDefaultTimeout(120_000);
    var page = await context.NewPageAsync();
    await page.GotoAsync(path, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
    await page.WaitForFunctionAsync("""
        n => document.querySelector('main[data-interactive=true]')
             && document.querySelector('[data-testid=annotation-count]')?.textContent.trim() === String(n)
             && (n === 0 ? document.querySelector('.annotation-gutter') : document.querySelector('mark.annotation'))
        """, annotations, new PageWaitForFunctionOptions { PollingInterval = 5 });
    var live = await page.EvaluateAsync<double>("() => performance.now()");
    var lcp = await page.EvaluateAsync<double>("""
        () => new Promise(resolve => new PerformanceObserver(list => {
            const entries = list.getEntries();
            resolve(entries[entries.length - 1].startTime);
        }).observe({ type: "largest-contentful-paint", buffered: true }))
        """);
    return (live, lcp);
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}
