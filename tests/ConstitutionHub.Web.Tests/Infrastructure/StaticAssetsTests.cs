using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using ConstitutionHub.Testing;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Infrastructure;

/// <summary>
/// Blazor's own .NET 10 script and the other static web assets, referenced by fingerprinted URLs. A build run from
/// bin/ serves _framework/* only in Development (static web assets); production runs the publish output, so that is
/// what the second test runs, as its own process, the way the Dockerfile does.
/// </summary>
public sealed partial class StaticAssetsTests
{
    [Fact]
    public async Task Pages_reference_blazor_web_js_by_a_fingerprinted_url_that_is_served()
    {
        await using var server = await HubServer.StartAsync("static_assets");
        await AssertScriptServedAsync(server.Client(), production: false);
    }

    [Fact]
    public async Task The_published_app_in_Production_serves_blazor_web_js_cached_for_good_and_the_reconnect_dialog()
    {
        var root = HubPaths.RepositoryRoot() ?? throw new InvalidOperationException("Run the tests from a checkout of the repository.");
        var output = Path.Combine(Path.GetTempPath(), $"chub-publish-{Guid.NewGuid():N}");
        try
        {
            await RunAsync("dotnet", ["publish", Path.Combine(root, "src", "ConstitutionHub.Web"), "-c", "Release", "-o", output, "-nologo", "-v", "quiet",
                "-p:UseAppHost=false"], root);
            Assert.True(File.Exists(Path.Combine(output, "wwwroot", "_framework", "blazor.web.js")) ||
                        Directory.EnumerateFiles(Path.Combine(output, "wwwroot", "_framework"), "blazor.web.*.js").Any(),
                "The publish output has no _framework/blazor.web.js.");

            var address = new Uri($"http://127.0.0.1:{FreePort()}");
            var info = new ProcessStartInfo("dotnet", [Path.Combine(output, "ConstitutionHub.Web.dll"), "--urls", address.ToString()])
            {
                // Outside the repository, as in the container: the app must find its web root beside its binaries.
                WorkingDirectory = output, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            info.Environment["ConnectionStrings__Hub"] = await TestPostgres.CreateDatabaseAsync("published");
            info.Environment["Logging__LogLevel__Default"] = "Warning";
            info.Environment["Logging__LogLevel__ConstitutionHub.Web"] = "Information";
            using var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start.");
            try
            {
                await WaitForStartAsync(process);
                using var client = new HttpClient { BaseAddress = address };
                var html = await AssertScriptServedAsync(client, production: true);
                var dialog = new HtmlParser().ParseDocument(html).QuerySelector("dialog#components-reconnect-modal");
                Assert.NotNull(dialog);
                Assert.Contains("Nothing you typed on this page is lost", dialog.TextContent, StringComparison.Ordinal);
            }
            finally
            {
                if (!process.HasExited) process.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            try { Directory.Delete(output, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// The sign-in page (no database reads) names the script by a fingerprinted URL, and that URL answers with it; in
    /// production cached for good (Development asks for revalidation so an edited file shows at once).
    /// </summary>
    private static async Task<string> AssertScriptServedAsync(HttpClient client, bool production)
    {
        var html = await client.GetStringAsync("/signin");
        var src = new HtmlParser().ParseDocument(html).QuerySelectorAll("script[src]").Select(s => s.GetAttribute("src")!)
            .SingleOrDefault(s => s.Contains("blazor.web", StringComparison.Ordinal));
        Assert.NotNull(src);
        Assert.Matches(Fingerprinted(), src);

        using var response = await client.GetAsync("/" + src);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        if (production) Assert.Contains("immutable", response.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var script = await response.Content.ReadAsStringAsync();
        // .NET 10's client: large, and it knows the reconnect dialog's state event.
        Assert.True(script.Length > 100_000, $"blazor.web.js is only {script.Length} characters.");
        Assert.Contains("components-reconnect-state-changed", script, StringComparison.Ordinal);
        return html;
    }

    /// <summary>Waits for the app's own start-up line on its output (or its exit), not for a time.</summary>
    private static async Task WaitForStartAsync(Process process)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new List<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("ConstitutionHub is running at", StringComparison.Ordinal) == true) started.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.Add(e.Data); };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException(
            $"The published app exited with code {process.ExitCode}: {string.Join('\n', errors)}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await started.Task.WaitAsync(TimeSpan.FromMinutes(2));
    }

    private static async Task RunAsync(string file, string[] args, string directory)
    {
        var info = new ProcessStartInfo(file, args) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(10));
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed:\n{await stdout}\n{await stderr}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^_framework/blazor\.web\.[a-z0-9]{6,}\.js$")]
    private static partial Regex Fingerprinted();
}
