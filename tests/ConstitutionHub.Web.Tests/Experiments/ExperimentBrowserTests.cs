using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConstitutionHub.Web.Tests.Experiments;

/// <summary>
/// Chromium: a run watched live by two people. The experiment (two revisions side by side, judged pairwise and by a
/// rubric on Honesty) is created paused through the API; its owner resumes it from the run page and both screens
/// follow it to the leaderboard and the rubric table; the owner then has every output critiqued and revised.
/// </summary>
public sealed class ExperimentBrowserTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(ExperimentBrowserTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    [Fact]
    public async Task Two_viewers_watch_a_run_resume_progress_and_end_on_the_leaderboard()
    {
        var api = await server.SignedInClientAsync("Ada");
        (await api.PostAsync("/api/constitutions", Json(new { slug = "two-revs", title = "Two", markdown = "# T\n\n## Honesty\n\nTell the truth.\n" })))
            .EnsureSuccessStatusCode();
        var etag = (await api.GetAsync("/api/constitutions/two-revs")).Headers.ETag!.Tag;
        var revision = new HttpRequestMessage(HttpMethod.Post, "/api/constitutions/two-revs/revisions")
        {
            Content = Json(new { markdown = "# T\n\n## Honesty\n\nTell the truth, kindly and briefly.\n", summary = "kinder" }),
        };
        revision.Headers.TryAddWithoutValidation("If-Match", etag);
        (await api.SendAsync(revision)).EnsureSuccessStatusCode();
        var honesty = (await (await api.GetAsync("/api/constitutions/two-revs/sections")).Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("sections").EnumerateArray().Single(s => s.GetProperty("heading").GetString() == "Honesty").GetProperty("id").GetString();
        var set = await (await api.PostAsync("/api/prompt-sets/import?name=Two&format=jsonl",
            new StringContent("{\"prompt\":\"Hello\",\"tags\":[\"greeting\"]}\n{\"prompt\":\"Are you honest?\",\"tags\":[\"values\"]}\n", Encoding.UTF8, "application/jsonl")))
            .Content.ReadFromJsonAsync<JsonElement>();
        var created = await (await api.PostAsync("/api/experiments", Json(new
        {
            name = "Kinder honesty", promptSetId = set.GetProperty("id").GetGuid(), samples = 1, judge = new { onlyVariedSections = false },
            rubric = new { sections = new[] { honesty } },
            arms = new[] { new { slug = "two-revs", revision = 1, sampling = new { maxTokens = 24 } }, new { slug = "two-revs", revision = 2, sampling = new { maxTokens = 24 } } },
        }))).Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetGuid();
        (await api.PostAsync($"/api/experiments/{id}/pause", null)).EnsureSuccessStatusCode();

        var owner = await Chromium.NewPageAsync(server.Address);
        var watcher = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(owner, "Ada", $"/experiments/{id}");
        await Chromium.WaitForLiveAsync(owner);
        await Chromium.GotoLiveAsync(watcher, $"/experiments/{id}");
        foreach (var page in new[] { owner, watcher }) await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("paused");
        await Expect(watcher.GetByRole(AriaRole.Button, new() { Name = "Resume" })).ToHaveCountAsync(0);

        await owner.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();

        foreach (var page in new[] { owner, watcher })
        {
            // Each page reads the run once a second; on a machine this loaded a tick can take a while.
            await Expect(page.GetByTestId("run-status")).ToHaveTextAsync("running", new() { Timeout = 60_000 });
            // Generation and judging on the demo model, on a machine other builds share: a generous wait for the end.
            await Expect(page.GetByTestId("leaderboard")).ToContainTextAsync("Leaderboard (AI judge, 2 verdicts)", new() { Timeout = 420_000 });
            await Expect(page.GetByTestId("run-progress")).ToContainTextAsync("Generations: 4 of 4");
            await Expect(page.GetByTestId("position-bias")).ToContainTextAsync("disagreed on");
            await Expect(page.GetByTestId("side-by-side")).ToContainTextAsync("r2");
            // Every output scored on Honesty: two per arm in the table, one chip under each output.
            await Expect(page.GetByTestId("run-scoring")).ToContainTextAsync("Rubric: 4 of 4 scores", new() { Timeout = 120_000 });
            await Expect(page.GetByTestId("rubric-results").GetByRole(AriaRole.Row)).ToHaveCountAsync(4);
            await Expect(page.GetByTestId("output-score")).ToHaveCountAsync(4);
            await Expect(page.GetByTestId("output-score").First).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"Honesty: [1-5]/5"));
        }

        // The owner asks for critiques and revisions of every output; the page follows them and offers the download.
        await Expect(watcher.GetByTestId("critiques").GetByRole(AriaRole.Button, new() { Name = "Critique and revise" })).ToHaveCountAsync(0);
        await owner.GetByTestId("critiques").GetByRole(AriaRole.Button, new() { Name = "Critique and revise" }).ClickAsync();
        await Expect(owner.GetByTestId("critiques-progress")).ToContainTextAsync("4 of 4 done · 0 pending · 0 failed", new() { Timeout = 240_000 });
        await Expect(owner.GetByTestId("critiques").GetByRole(AriaRole.Link, new() { Name = "Download JSONL" }))
            .ToHaveAttributeAsync("href", $"/api/experiments/{id}/critiques/export");

        // Arms behind letters: the labels go, the letters stay.
        await watcher.GetByText("Hide arms behind letters").ClickAsync();
        await Expect(watcher.GetByTestId("side-by-side")).Not.ToContainTextAsync("B: r2");
        await Expect(watcher.GetByTestId("ratings-chart").Locator("svg")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_new_experiment_form_starts_a_run_scored_by_rubric_on_the_chosen_section_with_a_rubric_prompt_of_ones_own()
    {
        var api = await server.SignedInClientAsync("Ada");
        await ApiSeed.ConstitutionAsync(api, "form-revs", "Form", "# F\n\n## Honesty\n\nTell the truth.\n\n## Brevity\n\nBe brief.\n",
            "# F\n\n## Honesty\n\nTell the truth, kindly.\n\n## Brevity\n\nBe brief.\n");
        await ApiSeed.ConstitutionAsync(api, "bare-scorer", "Bare scorer", "# Bare\n\nScore it.\n");
        await ApiSeed.ConstitutionAsync(api, "house-scorer", "House scorer",
            "# House\n\nScore this reply on {{heading}} from 1 to 5:\n\n{{reply}}\n\nAnswer with one digit.\n");
        (await api.PostAsync("/api/prompt-sets/import?name=Form%20set&format=jsonl",
            new StringContent("{\"prompt\":\"Hello\"}\n", Encoding.UTF8, "application/jsonl"))).EnsureSuccessStatusCode();

        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(page, "Ada", "/experiments");
        await Chromium.WaitForLiveAsync(page);
        var form = page.GetByTestId("new-experiment");
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Rubric from the form");
        await form.GetByLabel("Prompt set", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option).Filter(new() { HasText = "Form set" }).ClickAsync();
        await form.GetByLabel("Constitution", new() { Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Option).Filter(new() { HasText = "Form (r2)" }).ClickAsync();
        await form.GetByText("Rubric scores").ClickAsync();
        await form.GetByLabel("Sections to score (1-5)", new() { Exact = true }).ClickAsync();
        var honesty = page.GetByRole(AriaRole.Option).Filter(new() { HasText = "Honesty" });
        await honesty.ClickAsync();
        // The list of sections stays open for more choices and would cover the buttons below it.
        await Chromium.PressEscapeUntilHiddenAsync(page, honesty);

        // A rubric prompt document without the reply to score is refused with the reason, before anything runs.
        await form.GetByLabel("Rubric prompt", new() { Exact = true }).SelectOptionAsync("bare-scorer");
        await form.GetByRole(AriaRole.Button, new() { Name = "Estimate cost" }).ClickAsync();
        await Expect(page.GetByTestId("experiment-error")).ToContainTextAsync("lacks {{reply}} and {{heading}}");
        await form.GetByLabel("Rubric prompt", new() { Exact = true }).SelectOptionAsync("house-scorer");
        await Expect(form.GetByLabel("Rubric prompt: revision")).ToHaveValueAsync("1");

        await form.GetByRole(AriaRole.Button, new() { Name = "Estimate cost" }).ClickAsync();
        await Expect(page.GetByTestId("experiment-cost")).ToContainTextAsync("rubric: 2 scores (2 outputs x 1 sections)");
        await form.GetByRole(AriaRole.Button, new() { Name = "Start experiment" }).ClickAsync();
        await page.WaitForURLAsync("**/experiments/*");
        await Expect(page.GetByTestId("run-scoring")).ToContainTextAsync("Rubric: 2 of 2 scores", new() { Timeout = 240_000 });
        await Expect(page.GetByTestId("rubric-results")).ToContainTextAsync("Honesty");
        await Expect(page.GetByTestId("output-score")).ToHaveCountAsync(2);

        // Every score names the document and revision it was scored with.
        var id = new Uri(page.Url).AbsolutePath.Split('/')[^1];
        var house = (await server.Services.GetRequiredService<Core.Documents.ConstitutionQueries>().BySlugAsync("house-scorer"))!.Id.ToString("N");
        var rubric = await (await api.GetAsync($"/api/experiments/{id}/rubric")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.All(rubric.GetProperty("scores").EnumerateArray(), score =>
            Assert.Equal((house, 1), (score.GetProperty("template").GetString(), score.GetProperty("templateRevision").GetInt32())));
    }
}
