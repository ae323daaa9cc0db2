using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ConstitutionHub.Web.Tests.Experiments;

/// <summary>
/// An experiment ready for votes without waiting on a model: made through the API on a server whose worker is off
/// (<see cref="Settings"/>), its outputs recorded as the worker records them.
/// </summary>
public static class VotingExperiment
{
    public static readonly Dictionary<string, string?> Settings = new() { ["Experiments:Worker"] = "false" };

    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>A section with two variants, for a factorial design.</summary>
    public const string FactorialMarkdown = """
        # T

        ## Tone

        :::variant default
        Warm, and clear when disagreeing.
        :::

        :::variant lower
        Direct, without softening.
        :::
        """;

    /// <summary>
    /// Two arms over <paramref name="items"/> prompts, every output recorded: two plain arms of <paramref name="slug"/>,
    /// or with <paramref name="factorial"/> the factorial design over its Tone section's two variants.
    /// </summary>
    public static async Task<Guid> CreateAsync(HubServer server, HttpClient owner, string slug, int items, string visibility = "public",
        bool factorial = false)
    {
        var markdown = factorial ? FactorialMarkdown : "# T\n\n## Honesty\n\nTell the truth.\n";
        (await owner.PostAsync("/api/constitutions", Json(new { slug, title = "Votes", visibility, markdown }))).EnsureSuccessStatusCode();
        var jsonl = string.Concat(Enumerable.Range(1, items).Select(i => $"{{\"id\":\"q{i}\",\"prompt\":\"Question {i}?\"}}\n"));
        var set = await (await owner.PostAsync("/api/prompt-sets/import?name=Votes&format=jsonl", new StringContent(jsonl, Encoding.UTF8, "application/jsonl")))
            .Content.ReadFromJsonAsync<JsonElement>();
        var promptSet = set.GetProperty("id").GetGuid();
        var created = await owner.PostAsync("/api/experiments", Json(factorial
            ? new
            {
                name = "Blind test", promptSetId = promptSet, samples = 1,
                design = new { slug, revision = 1, factors = new[] { new { section = await SectionIdAsync(owner, slug, "Tone"), variants = new[] { "default", "lower" } } } },
            }
            : (object)new
            {
                name = "Blind test", promptSetId = promptSet, samples = 1,
                arms = new[] { new { slug, revision = 1, label = "plain" }, new { slug, revision = 1, label = "same again" } },
            }));
        var id = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var streams = server.Services.GetRequiredService<EventStreams>();
        foreach (var arm in new[] { "A", "B" })
            for (var i = 1; i <= items; i++)
                await streams.AppendAsync(ExperimentStream.GenerationId(id, arm, $"q{i}", 0), ExpectedVersion.NoStream,
                    [new NewEvent(Guid.NewGuid(), new GenerationRecorded(id, arm, $"q{i}", 0, 1, $"Answer {i}, **{(arm == "A" ? "briefly" : "at length")}** <i onmouseover=\"x()\">raw</i>", "m", "h", "stop", 4, 1, "n", 1))],
                    new EventMetadata("system:test", "test", DateTimeOffset.UtcNow, Guid.NewGuid()));
        return id;
    }

    public static async Task<string> SectionIdAsync(HttpClient client, string slug, string heading)
    {
        var sections = await client.GetFromJsonAsync<JsonElement>($"/api/constitutions/{slug}/sections");
        return sections.GetProperty("sections").EnumerateArray().Single(s => s.GetProperty("heading").GetString() == heading).GetProperty("id").GetString()!;
    }
}
