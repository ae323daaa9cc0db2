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

    [Fact]
    public async Task A_factorial_experiment_runs_to_the_end_is_judged_in_both_orders_and_exports_training_data()
    {
        var (client, promptSet, agreeableness) = await SetUpAsync("helper-run");
        var body = new
        {
            name = "Agreeableness", promptSetId = promptSet, samples = 1,
            design = new { slug = "helper-run", revision = 1, factors = new[] { new { section = agreeableness, variants = new[] { "default", "lower" } } } },
            judge = new { onlyVariedSections = true },
        };
        var estimate = await ReadAsync(await client.PostAsync("/api/experiments/estimate", Json(body)));
        Assert.StartsWith("6 generations (3 items x 2 arms x 1 samples)", estimate.GetProperty("summary").GetString());

        var created = await ReadAsync(await client.PostAsync("/api/experiments", Json(body)));
        var id = created.GetProperty("id").GetGuid();
        // Waits on the run's own progress, read as a run page reads it, until it is judged or something failed.
        var state = await Eventually.GetAsync(async () => await ReadAsync(await client.GetAsync($"/api/experiments/{id}")),
            s => s.GetProperty("judging").GetProperty("done").GetInt32() == 3 || s.GetProperty("progress").GetProperty("failed").GetInt32() > 0,
            "the run generated and judged", TimeSpan.FromMinutes(3));
        Assert.True(state.GetProperty("progress").GetProperty("failed").GetInt32() == 0, state.GetProperty("failures").GetRawText());
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
}
