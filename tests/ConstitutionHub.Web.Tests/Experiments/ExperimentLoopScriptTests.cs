using System.Diagnostics;
using System.Text.Json;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Experiments;

/// <summary>
/// The documented command-line loop (<c>tools/experiment-loop/experiment-loop.sh</c>, curl and jq) against the real
/// app over HTTP: it signs in, imports prompts, runs a judged experiment on the demo model to the end and downloads
/// the DPO pairs, which must be TRL's preference format.
/// </summary>
public sealed class ExperimentLoopScriptTests : IAsyncLifetime
{
    private HubServer server = null!;
    private readonly string work = Directory.CreateTempSubdirectory("hub-loop-").FullName;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(ExperimentLoopScriptTests));

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task The_script_runs_an_experiment_to_its_leaderboard_and_downloads_preference_pairs()
    {
        var api = await server.SignedInClientAsync("Ada");
        await ApiSeed.ConstitutionAsync(api, "loop", "Loop", "# Loop\n\n## Honesty\n\nTell the truth.\n", "# Loop\n\n## Honesty\n\nTell the truth, kindly.\n");
        var prompts = Path.Combine(work, "prompts.jsonl");
        await File.WriteAllTextAsync(prompts, "{\"id\":\"q1\",\"prompt\":\"Hello\",\"tags\":[\"greeting\"]}\n{\"id\":\"q2\",\"prompt\":\"Are you honest?\"}\n");
        var output = Path.Combine(work, "dpo.jsonl");

        var root = HubPaths.RepositoryRoot() ?? throw new InvalidOperationException("Run the tests from a checkout of the repository.");
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "tools", "experiment-loop", "experiment-loop.sh"),
            server.Address.ToString().TrimEnd('/'), "loop", "1", "2", prompts, output])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, Environment = { ["HUB_USER"] = "Loop script" },
        };
        using var script = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        var stdout = script.StandardOutput.ReadToEndAsync();
        var stderr = script.StandardError.ReadToEndAsync();
        // Generation and judging on the demo model on a shared machine: a generous bound, not a pace.
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        try { await script.WaitForExitAsync(bound.Token); }
        catch (OperationCanceledException) { script.Kill(entireProcessTree: true); throw new TimeoutException($"The script did not finish: {await stdout}"); }

        var printed = await stdout;
        Assert.True(script.ExitCode == 0, $"exit {script.ExitCode}\n{printed}\n{await stderr}");
        Assert.Matches(@"experiment [0-9a-f-]{36}", printed);
        Assert.Contains("generations 4/4, judged 2/2, failed 0", printed);
        // The leaderboard: one line per arm, with its rating and interval.
        Assert.Matches(@"(?m)^A  .+\[\d+, \d+\]  win rate", printed);
        Assert.Matches(@"(?m)^B  .+\[\d+, \d+\]  win rate", printed);
        Assert.Matches(@"DPO pairs: \d+ in ", printed);
        foreach (var line in await File.ReadAllLinesAsync(output))
        {
            using var pair = JsonDocument.Parse(line);
            foreach (var field in new[] { "prompt", "chosen", "rejected" }) Assert.True(pair.RootElement.TryGetProperty(field, out _), $"{field} missing: {line}");
        }
    }
}
