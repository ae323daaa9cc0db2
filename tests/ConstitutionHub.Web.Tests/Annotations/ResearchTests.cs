using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Chats;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Annotations;

/// <summary>The State of the research page and its Markdown and JSON exports, per constitution and across all.</summary>
public sealed class ResearchTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(ResearchTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static async Task<Guid> FindingAsync(HttpClient client, string slug, string section, string exact, string behaviour, string strength)
    {
        var response = await client.PostAsJsonAsync($"/api/constitutions/{slug}/annotations", new
        {
            sectionId = section, exact, kind = "finding", body = $"About {behaviour}.",
            finding = new { sectionIds = new[] { section }, variants = new[] { "kind" }, behaviour, direction = "hurts", strength },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Findings_are_grouped_by_section_and_behaviour_filtered_and_exported_without_leaking_private_ones()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "studied");
        await ChatKit.CreateConstitutionAsync(server, "Ada", "hidden-study", visibility: "private");
        var ada = await server.SignedInClientAsync("Ada");
        var honesty = await ChatKit.SectionIdAsync(server, "studied", "Honesty");
        var curiosity = await ChatKit.SectionIdAsync(server, "studied", "Curiosity");
        var supported = await FindingAsync(ada, "studied", honesty, "Tell the truth, kindly.", "sycophancy", "experiment");
        await FindingAsync(ada, "studied", curiosity, "good questions", "verbosity", "anecdote");
        await FindingAsync(ada, "hidden-study", await ChatKit.SectionIdAsync(server, "hidden-study", "Curiosity"), "good questions", "secret-behaviour", "anecdote");
        Assert.Equal(HttpStatusCode.NoContent, (await ada.PostAsJsonAsync($"/api/annotations/{supported}/status", new { status = "supported", reason = "Two runs agree." })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await ada.PostAsJsonAsync($"/api/annotations/{supported}/evidence",
            new { kind = "experiment", target = "experiment:sycophancy-1/run/7", relation = "supports" })).StatusCode);

        var markdown = await ada.GetStringAsync("/c/studied/research.md");
        Assert.Contains("# State of the research: Constitution studied", markdown);
        Assert.Contains("## Honesty", markdown);
        Assert.Contains("### sycophancy", markdown);
        Assert.Contains("- **supported**, hurts, experiment, variant kind (1 supporting, 0 contradicting)", markdown);
        Assert.True(markdown.IndexOf("## Honesty", StringComparison.Ordinal) < markdown.IndexOf("## Curiosity", StringComparison.Ordinal));

        var filtered = await ada.GetFromJsonAsync<JsonElement>("/c/studied/research.json?status=supported");
        var sections = filtered.GetProperty("sections");
        Assert.Equal(1, sections.GetArrayLength());
        Assert.Equal("sycophancy", sections[0].GetProperty("findings")[0].GetProperty("behaviour").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await ada.GetAsync("/c/studied/research.json?strength=rumour")).StatusCode);

        var anonymous = server.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/c/hidden-study/research.md")).StatusCode);
        var everyone = await anonymous.GetStringAsync("/research.md");
        Assert.Contains("sycophancy", everyone);
        Assert.DoesNotContain("secret-behaviour", everyone);
        Assert.Contains("secret-behaviour", await ada.GetStringAsync("/research.md"));

        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.GotoLiveAsync(page, "/c/studied/research");
        await Assertions.Expect(page.GetByTestId("research-finding")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByTestId("research-finding").First).ToContainTextAsync("1 evidence");
    }
}
