using System.Net;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Experiments;

/// <summary>
/// The experiment loop over real HTTP on the app as it ships: the demo model generates (through the batching
/// scheduler) and judges under its fixed-choice decoding, the worker is the app's own hosted service, the database real.
/// </summary>
public sealed class ExperimentsApiTests : IAsyncLifetime
{
    private const string Markdown = """
        # Helper

        ## Honesty

        The model says what it believes is true.

        ## Agreeableness

        :::variant default
        The model is warm but says clearly when it disagrees.
        :::

        :::variant lower
        The model is direct and does not soften disagreement.
        :::
        """;

    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(ExperimentsApiTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<(HttpClient Client, Guid PromptSet, string Agreeableness)> SetUpAsync(string slug)
    {
        var client = await server.SignedInClientAsync("Ada");
        await ReadAsync(await client.PostAsync("/api/constitutions", Json(new { slug, title = "Helper", markdown = Markdown })));
        var sections = await ReadAsync(await client.GetAsync($"/api/constitutions/{slug}/sections"));
        var agreeableness = sections.GetProperty("sections").EnumerateArray().Single(s => s.GetProperty("heading").GetString() == "Agreeableness")
            .GetProperty("id").GetString()!;
        var csv = "id,prompt,tags\r\nq1,Hello,greeting\r\nq2,\"Can you help me, please?\",help\r\nq3,What do you value?,values\r\n";
        var set = await ReadAsync(await client.PostAsync("/api/prompt-sets/import?name=Basics&format=csv", new StringContent(csv, Encoding.UTF8, "text/csv")));
        Assert.Equal(3, set.GetProperty("items").GetArrayLength());
        return (client, set.GetProperty("id").GetGuid(), agreeableness);
    }

    /// <summary>Work that failed its last attempt (a failure being retried is not counted: it may yet succeed).</summary>
    private static int Failed(JsonElement state, params string[] kinds) => kinds.Sum(k => state.GetProperty(k).GetProperty("failed").GetInt32());

    [Fact]
    public async Task A_factorial_experiment_runs_to_the_end_is_judged_in_both_orders_and_by_rubric_and_exports_training_data_and_critiques()
    {
        var (client, promptSet, agreeableness) = await SetUpAsync("helper-run");
        var body = new
        {
            name = "Agreeableness", promptSetId = promptSet, samples = 1,
            design = new { slug = "helper-run", revision = 1, factors = new[] { new { section = agreeableness, variants = new[] { "default", "lower" } } } },
            judge = new { onlyVariedSections = true },
            rubric = new { sections = new[] { agreeableness } },
        };
        var estimate = await ReadAsync(await client.PostAsync("/api/experiments/estimate", Json(body)));
        Assert.StartsWith("6 generations (3 items x 2 arms x 1 samples)", estimate.GetProperty("summary").GetString());
        Assert.EndsWith("rubric: 6 scores (6 outputs x 1 sections).", estimate.GetProperty("summary").GetString());

        var created = await ReadAsync(await client.PostAsync("/api/experiments", Json(body)));
        var id = created.GetProperty("id").GetGuid();
        // Waits on the run's own progress, read as a run page reads it, until it is judged or something failed.
        var state = await Eventually.GetAsync(async () => await ReadAsync(await client.GetAsync($"/api/experiments/{id}")),
            s => (s.GetProperty("judging").GetProperty("done").GetInt32() == 3 && s.GetProperty("scoring").GetProperty("done").GetInt32() == 6)
                 || Failed(s, "progress", "judging", "scoring") > 0,
            "the run generated, judged and scored", TimeSpan.FromMinutes(4));
        Assert.True(Failed(state, "progress", "judging", "scoring") == 0, state.GetProperty("failures").GetRawText());
        Assert.Equal(6, state.GetProperty("progress").GetProperty("done").GetInt32());
        Assert.Equal(3, state.GetProperty("judging").GetProperty("done").GetInt32());

        var outputs = await ReadAsync(await client.GetAsync($"/api/experiments/{id}/outputs"));
        Assert.Equal(6, outputs.GetArrayLength());
        Assert.All(outputs.EnumerateArray(), o => Assert.Equal("demo-qwen2", o.GetProperty("model").GetString()));
        Assert.Equal(2, outputs.EnumerateArray().Select(o => o.GetProperty("promptHash").GetString()).Distinct().Count());

        var ratings = await ReadAsync(await client.GetAsync($"/api/experiments/{id}/ratings"));
        Assert.Equal(3, ratings.GetProperty("votes").GetInt32());
        Assert.Equal(2, ratings.GetProperty("leaderboard").GetArrayLength());
        Assert.Equal(3, ratings.GetProperty("positionBias").GetProperty("pairs").GetInt32());
        // The fixed choice held: every single-order verdict was A, B or tie, or the judging would have failed.
        Assert.Single(ratings.GetProperty("effects").EnumerateArray());

        // Rubric: every output scored 1-5 on Agreeableness under the fixed choice (an off-format score would have failed the run).
        var rubric = await ReadAsync(await client.GetAsync($"/api/experiments/{id}/rubric"));
        var scores = rubric.GetProperty("scores").EnumerateArray().ToList();
        Assert.Equal(6, scores.Count);
        Assert.All(scores, s => Assert.InRange(s.GetProperty("score").GetInt32(), 1, 5));
        Assert.All(scores, s => Assert.Equal(("demo-qwen2", "builtin-rubric", agreeableness), (s.GetProperty("judgeModel").GetString(),
            s.GetProperty("template").GetString(), s.GetProperty("sectionId").GetString())));
        var summary = rubric.GetProperty("summary").EnumerateArray().ToList();
        Assert.Equal(["A", "B"], summary.Select(r => r.GetProperty("arm").GetString()));
        foreach (var row in summary)
        {
            Assert.Equal(("Agreeableness", 3), (row.GetProperty("heading").GetString(), row.GetProperty("count").GetInt32()));
            var armScores = scores.Where(s => s.GetProperty("arm").GetString() == row.GetProperty("arm").GetString()).Select(s => s.GetProperty("score").GetInt32());
            Assert.Equal(armScores.Average(), row.GetProperty("mean").GetDouble(), 9);
            Assert.True(row.GetProperty("lower").GetDouble() <= row.GetProperty("mean").GetDouble());
            Assert.True(row.GetProperty("upper").GetDouble() >= row.GetProperty("mean").GetDouble());
        }
        var rubricPairs = await client.GetAsync($"/api/experiments/{id}/export?format=dpo&source=rubric&minMargin=0");
        Assert.Equal(HttpStatusCode.OK, rubricPairs.StatusCode);

        // Critique and revision of arm B's output on q1, by the judge model, in the background.
        var asked = await client.PostAsync($"/api/experiments/{id}/critiques", Json(new { arms = new[] { "B" }, itemIds = new[] { "q1" } }));
        Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
        Assert.Equal(1, (await ReadAsync(asked)).GetProperty("requested").GetInt32());
        state = await Eventually.GetAsync(async () => await ReadAsync(await client.GetAsync($"/api/experiments/{id}")),
            s => s.GetProperty("critiques").GetProperty("done").GetInt32() == 1 || Failed(s, "critiques") > 0,
            "the critique was written", TimeSpan.FromMinutes(3));
        Assert.True(Failed(state, "critiques") == 0, state.GetProperty("failures").GetRawText());
        var critiques = await client.GetAsync($"/api/experiments/{id}/critiques/export");
        Assert.Equal(HttpStatusCode.OK, critiques.StatusCode);
        Assert.Equal("0", critiques.Headers.GetValues("X-Critiques-Pending").Single());
        var critique = JsonDocument.Parse(Assert.Single((await critiques.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries))).RootElement;
        Assert.Equal(outputs.EnumerateArray().Single(o => o.GetProperty("arm").GetString() == "B" && o.GetProperty("itemId").GetString() == "q1")
            .GetProperty("output").GetString(), critique.GetProperty("output").GetString());
        Assert.Equal(("B", "demo-qwen2 / builtin-critique r1"), (critique.GetProperty("metadata").GetProperty("arm").GetString(),
            critique.GetProperty("metadata").GetProperty("judge").GetString()));
        Assert.Equal(JsonValueKind.String, critique.GetProperty("revision").ValueKind);
        Assert.Equal(JsonValueKind.Array, critique.GetProperty("cited_sections").ValueKind);

        var sft = await client.GetStringAsync($"/api/experiments/{id}/export?format=sft-trl&arm=B");
        Assert.Equal(3, sft.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var dpo = await client.GetAsync($"/api/experiments/{id}/export?format=dpo&minMargin=0.5");
        Assert.Equal(HttpStatusCode.OK, dpo.StatusCode);
    }

    [Fact]
    public async Task Bad_input_is_a_400_with_its_reason_and_changes_nothing()
    {
        var (client, promptSet, _) = await SetUpAsync("helper-bad");
        var oneArm = await client.PostAsync("/api/experiments",
            Json(new { name = "x", promptSetId = promptSet, arms = new[] { new { slug = "helper-bad", revision = 1 } } }));
        Assert.Equal(HttpStatusCode.BadRequest, oneArm.StatusCode);
        Assert.Contains("at least two arms", await oneArm.Content.ReadAsStringAsync());

        var badCsv = await client.PostAsync("/api/prompt-sets/import?format=csv", new StringContent("id,text\nq1,hi", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, badCsv.StatusCode);
        Assert.Contains("needs 'prompt' or 'messages'", await badCsv.Content.ReadAsStringAsync());

        var notJson = await client.PostAsync("/api/experiments", new StringContent("{", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);

        var anonymous = await server.Client().PostAsync("/api/experiments", Json(new { name = "x", promptSetId = promptSet }));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Single((await ReadAsync(await client.GetAsync("/api/prompt-sets"))).EnumerateArray());
    }

    [Fact]
    public async Task A_judge_prompt_of_ones_own_must_be_a_readable_revision_that_shows_both_replies()
    {
        var (client, promptSet, _) = await SetUpAsync("helper-judge");
        const string prompt = "# Judge\n\n## Task\n\nWhich reply follows {{constitution}} better?\n\nA: {{a}}\n\nB: {{b}}\n";
        await ReadAsync(await client.PostAsync("/api/constitutions", Json(new { slug = "my-judge", title = "My judge", markdown = prompt })));
        await ReadAsync(await client.PostAsync("/api/constitutions", Json(new { slug = "half-judge", title = "Half", markdown = "# Half\n\nOnly {{a}}.\n" })));
        var bea = await server.SignedInClientAsync("Bea");
        await ReadAsync(await bea.PostAsync("/api/constitutions", Json(new { slug = "beas-judge", title = "Bea's", visibility = "private", markdown = prompt })));
        object Body(object judge) => new
        {
            name = "Own judge", promptSetId = promptSet,
            arms = new[] { new { slug = "helper-judge", revision = 1 }, new { slug = "helper-judge", revision = 1 } }, judge,
        };

        foreach (var (judge, reason) in new (object, string)[]
        {
            (new { promptSlug = "beas-judge", promptRevision = 1 }, "does not exist, or you cannot read it"),
            (new { promptSlug = "nobodys-judge", promptRevision = 1 }, "does not exist, or you cannot read it"),
            (new { promptSlug = "my-judge", promptRevision = 7 }, "has no revision 7"),
            (new { promptSlug = "my-judge" }, "needs both"),
            (new { promptSlug = "half-judge", promptRevision = 1 }, "lacks {{b}}"),
        })
        {
            var refused = await client.PostAsync("/api/experiments", Json(Body(judge)));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(reason, await refused.Content.ReadAsStringAsync());
        }
        var experiments = server.Services.GetRequiredService<Core.Experiments.ExperimentQueries>();
        Assert.DoesNotContain(await experiments.ListAsync(), e => e.Name == "Own judge");

        var created = await client.PostAsync("/api/experiments", Json(Body(new { promptSlug = "my-judge", promptRevision = 1 })));
        var id = (await ReadAsync(created)).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var recorded = (await experiments.ExperimentAsync(id))!.Definition.Judge!;
        Assert.Equal(1, recorded.PromptRevision);
        Assert.NotNull(recorded.PromptDocumentId);
    }

    [Fact]
    public async Task Rubric_and_critique_prompts_of_ones_own_are_named_by_slug_and_checked_like_the_judges()
    {
        var (client, promptSet, agreeableness) = await SetUpAsync("helper-own-prompts");
        await ReadAsync(await client.PostAsync("/api/constitutions", Json(new
        {
            slug = "my-rubric", title = "My rubric", markdown = "# Rubric\n\nScore {{reply}} on {{heading}}.\n",
        })));
        await ReadAsync(await client.PostAsync("/api/constitutions", Json(new { slug = "bare-prompt", title = "Bare", markdown = "# Bare\n\nNothing.\n" })));
        object Body(object rubric) => new
        {
            name = "Own rubric", promptSetId = promptSet,
            arms = new[] { new { slug = "helper-own-prompts", revision = 1 }, new { slug = "helper-own-prompts", revision = 1 } }, rubric,
        };
        var refused = await client.PostAsync("/api/experiments", Json(Body(new { sections = new[] { agreeableness }, promptSlug = "bare-prompt", promptRevision = 1 })));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("rubric", problem.GetProperty("field").GetString());
        Assert.Contains("lacks {{reply}} and {{heading}}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var unknown = await client.PostAsync("/api/experiments", Json(Body(new { sections = new[] { agreeableness }, promptSlug = "no-such-doc", promptRevision = 1 })));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);

        var created = await client.PostAsync("/api/experiments", Json(Body(new { sections = new[] { agreeableness }, promptSlug = "my-rubric", promptRevision = 1 })));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await ReadAsync(created)).GetProperty("id").GetGuid();
        var experiments = server.Services.GetRequiredService<Core.Experiments.ExperimentQueries>();
        var rubric = (await experiments.ExperimentAsync(id))!.Definition.Rubric!;
        Assert.Equal(((await server.Services.GetRequiredService<Core.Documents.ConstitutionQueries>().BySlugAsync("my-rubric"))!.Id, 1),
            (rubric.PromptDocumentId!.Value, rubric.PromptRevision!.Value));

        var critique = await client.PostAsync($"/api/experiments/{id}/critiques", Json(new { promptSlug = "bare-prompt", promptRevision = 1 }));
        Assert.Equal(HttpStatusCode.BadRequest, critique.StatusCode);
        var critiqueProblem = JsonDocument.Parse(await critique.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("critique", critiqueProblem.GetProperty("field").GetString());
        Assert.Contains("lacks {{reply}}", critiqueProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await experiments.ProgressAsync(id, Core.Experiments.WorkItem.Critique)).Total);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync($"/api/experiments/{id}/critiques",
            Json(new { promptSlug = "my-rubric", promptRevision = 1 }))).StatusCode);
    }

    [Fact]
    public async Task A_bad_rubric_or_critique_request_is_a_400_someone_elses_is_refused_and_neither_changes_anything()
    {
        var (client, promptSet, agreeableness) = await SetUpAsync("helper-rubric");
        object Body(object rubric) => new
        {
            name = "Rubric", promptSetId = promptSet,
            arms = new[] { new { slug = "helper-rubric", revision = 1 }, new { slug = "helper-rubric", revision = 1 } }, rubric,
        };
        foreach (var (rubric, reason) in new (object, string)[]
        {
            (new { sections = new[] { "no-such-section" } }, "has no section 'no-such-section'"),
            (new { sections = Array.Empty<string>() }, "at least one section"),
            (new { sections = new[] { agreeableness, agreeableness } }, "Each section is scored once"),
        })
        {
            var refused = await client.PostAsync("/api/experiments", Json(Body(rubric)));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains(reason, await refused.Content.ReadAsStringAsync());
        }

        var created = await ReadAsync(await client.PostAsync("/api/experiments", Json(new
        {
            name = "Plain", promptSetId = promptSet, arms = new[] { new { slug = "helper-rubric", revision = 1 }, new { slug = "helper-rubric", revision = 1 } },
        })));
        var id = created.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/experiments/{id}/rubric")).StatusCode);
        var unknownArm = await client.PostAsync($"/api/experiments/{id}/critiques", Json(new { arms = new[] { "Z" } }));
        Assert.Equal(HttpStatusCode.BadRequest, unknownArm.StatusCode);
        Assert.Contains("no arm 'Z'", await unknownArm.Content.ReadAsStringAsync());
        var bea = await server.SignedInClientAsync("Bea");
        Assert.Equal(HttpStatusCode.Forbidden, (await bea.PostAsync($"/api/experiments/{id}/critiques", Json(new { }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().PostAsync($"/api/experiments/{id}/critiques", Json(new { }))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsync($"/api/experiments/{id}/critiques",
            new StringContent("{", Encoding.UTF8, "application/json"))).StatusCode);

        var state = await ReadAsync(await client.GetAsync($"/api/experiments/{id}"));
        Assert.Equal(0, state.GetProperty("critiques").GetProperty("total").GetInt32());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("scoring").ValueKind);
        var none = await client.GetAsync($"/api/experiments/{id}/critiques/export");
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
        Assert.Equal("", await none.Content.ReadAsStringAsync());
    }
}
