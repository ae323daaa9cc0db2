using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;
using static ConstitutionHub.Web.Tests.Experiments.VotingExperiment;

namespace ConstitutionHub.Web.Tests.Experiments;

/// <summary>Blind votes and study links over real HTTP, on a real database: votes counted once, bad input refused, access checked.</summary>
public sealed class VotesApiTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(VotesApiTests), settings: Settings);
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static object Vote(string item, string choice, string? reason = null) =>
        new { armA = "A", armB = "B", itemId = item, sample = 0, choice, reason };

    [Fact]
    public async Task A_reader_votes_once_per_pair_changes_their_mind_and_the_human_ratings_count_one_vote()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "votes-once", items: 2);
        var bea = await server.SignedInClientAsync("Bea");

        var next = await ReadAsync(await bea.GetAsync($"/api/experiments/{id}/votes/next"));
        var item = next.GetProperty("pair").GetProperty("itemId").GetString()!;
        Assert.StartsWith("Answer", next.GetProperty("left").GetString());
        Assert.Equal(2, next.GetProperty("progress").GetProperty("total").GetInt32());

        await ReadAsync(await bea.PostAsync($"/api/experiments/{id}/votes", Json(Vote(item, "left"))));
        var changed = await ReadAsync(await bea.PostAsync($"/api/experiments/{id}/votes", Json(Vote(item, "right", "clearer"))));
        Assert.Equal(1, changed.GetProperty("progress").GetProperty("voted").GetInt32());
        var after = await ReadAsync(await bea.GetAsync($"/api/experiments/{id}/votes/next"));
        Assert.NotEqual(item, after.GetProperty("pair").GetProperty("itemId").GetString());

        var ratings = await ReadAsync(await bea.GetAsync($"/api/experiments/{id}/ratings?source=human"));
        Assert.Equal(("human", 1, 0), (ratings.GetProperty("source").GetString(), ratings.GetProperty("votes").GetInt32(), ratings.GetProperty("bothBad").GetInt32()));
        var dpo = await bea.GetStringAsync($"/api/experiments/{id}/export?format=dpo&source=human");
        Assert.Contains("\"judge\":\"people (1 votes)\"", dpo);
        Assert.Empty(await bea.GetStringAsync($"/api/experiments/{id}/export?format=dpo"));
    }

    [Fact]
    public async Task Bad_votes_are_400s_with_their_reason_and_change_nothing()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "votes-bad", items: 1);
        async Task Refused(object body, string reason)
        {
            var response = await ada.PostAsync($"/api/experiments/{id}/votes", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        }

        await Refused(Vote("q1", "A"), "Choose left, right, tie or both_bad");
        await Refused(Vote("q1", "left", new string('x', 501)), "at most 500 characters");
        await Refused(Vote("q9", "left"), "no such pair");
        await Refused(new { choice = "left" }, "Name the pair");
        var notJson = await ada.PostAsync($"/api/experiments/{id}/votes", new StringContent("{", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await ada.GetAsync($"/api/experiments/{id}/ratings?source=crowd")).StatusCode);
        Assert.Equal(0, (await ReadAsync(await ada.GetAsync($"/api/experiments/{id}/ratings?source=human"))).GetProperty("votes").GetInt32());
    }

    [Fact]
    public async Task Only_readers_vote_and_only_the_owner_makes_study_links()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var hidden = await CreateAsync(server, ada, "votes-private", items: 1, visibility: "private");
        var open = await CreateAsync(server, ada, "votes-public", items: 1);
        var bea = await server.SignedInClientAsync("Bea");

        // As for reading the experiment: a private constitution's experiment is unknown to others, so its id is not confirmed.
        Assert.Equal(HttpStatusCode.NotFound, (await bea.PostAsync($"/api/experiments/{hidden}/votes", Json(Vote("q1", "left")))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bea.GetAsync($"/api/experiments/{hidden}/votes/next")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().PostAsync($"/api/experiments/{open}/votes", Json(Vote("q1", "left")))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bea.PostAsync($"/api/experiments/{open}/study-links", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bea.GetAsync($"/api/experiments/{open}/study-links")).StatusCode);
        Assert.Equal(0, (await ReadAsync(await ada.GetAsync($"/api/experiments/{hidden}/ratings?source=human"))).GetProperty("votes").GetInt32());
    }

    [Fact]
    public async Task A_participant_votes_through_a_study_link_and_a_revoked_link_answers_404_like_a_share_link()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "votes-study", items: 2);
        var link = await ReadAsync(await ada.PostAsync($"/api/experiments/{id}/study-links", Json(new { expires = "7d" })));
        var token = link.GetProperty("token").GetString()!;

        var participant = server.Client();
        var entry = await participant.GetAsync($"/study/{token}");
        Assert.Equal(HttpStatusCode.Redirect, entry.StatusCode);
        Assert.Equal($"/study/{token}/vote", entry.Headers.Location?.ToString());
        Assert.Contains(entry.Headers.GetValues("Set-Cookie"), c => c.StartsWith("hub-study-participant="));
        var voted = await ReadAsync(await participant.PostAsync($"/study/{token}/votes", Json(Vote("q1", "tie"))));
        Assert.Equal(1, voted.GetProperty("progress").GetProperty("voted").GetInt32());
        // Without the participant cookie there is no one to count the vote for.
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Client().PostAsync($"/study/{token}/votes", Json(Vote("q1", "tie")))).StatusCode);

        (await ada.PostAsync($"/api/experiments/{id}/study-links/{link.GetProperty("id").GetGuid()}/revoke", null)).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.NotFound, (await participant.GetAsync($"/study/{token}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await participant.PostAsync($"/study/{token}/votes", Json(Vote("q2", "left")))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await participant.GetAsync("/study/not-a-token")).StatusCode);
        var ratings = await ReadAsync(await ada.GetAsync($"/api/experiments/{id}/ratings?source=human"));
        Assert.Equal(1, ratings.GetProperty("votes").GetInt32());
        Assert.Single((await ReadAsync(await ada.GetAsync($"/api/experiments/{id}/study-links"))).EnumerateArray());
    }

    [Fact]
    public async Task A_section_effect_becomes_a_finding_on_the_section_with_the_experiment_as_evidence()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "votes-effect", items: 3, factorial: true);
        var tone = await SectionIdAsync(ada, "votes-effect", "Tone");
        // Mixed votes (one a tie), so the effect's estimate is finite.
        foreach (var (item, choice) in new[] { ("q1", "left"), ("q2", "right"), ("q3", "tie") })
            await ReadAsync(await ada.PostAsync($"/api/experiments/{id}/votes", Json(Vote(item, choice))));
        var ratings = await ReadAsync(await ada.GetAsync($"/api/experiments/{id}/ratings?source=human"));
        var effect = Assert.Single(ratings.GetProperty("effects").EnumerateArray());
        Assert.Equal("lower", effect.GetProperty("variant").GetString());
        Assert.Contains("the people's win rate", effect.GetProperty("sentence").GetString());

        var unknown = await ada.PostAsync($"/api/experiments/{id}/findings", Json(new { sectionId = tone, variant = "higher", source = "human" }));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("no effect for that section and variant", await unknown.Content.ReadAsStringAsync());
        var anonymous = await server.Client().PostAsync($"/api/experiments/{id}/findings", Json(new { sectionId = tone, variant = "lower", source = "human" }));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var made = await ReadAsync(await ada.PostAsync($"/api/experiments/{id}/findings", Json(new { sectionId = tone, variant = "lower", source = "human" })));
        var finding = await ReadAsync(await ada.GetAsync($"/api/annotations/{made.GetProperty("id").GetGuid()}"));
        var text = finding.GetRawText();
        Assert.Equal("finding", finding.GetProperty("kind").GetString());
        Assert.Contains($"experiment:{id}", text);
        Assert.Contains("\"lower\"", text);
        Assert.Contains("blind votes", text);
        Assert.Equal($"/c/votes-effect?annotation={made.GetProperty("id").GetGuid()}", made.GetProperty("href").GetString());
    }
}
