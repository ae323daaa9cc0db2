using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;
using static ConstitutionHub.Web.Tests.Experiments.VotingExperiment;

namespace ConstitutionHub.Web.Tests.Experiments;

/// <summary>Votes through study links are limited per address (here 2 a minute), on a server of its own so no other test shares the allowance.</summary>
public sealed class StudyVoteLimitTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() =>
        server = await HubServer.StartAsync(nameof(StudyVoteLimitTests), settings: new Dictionary<string, string?>(Settings) { ["Experiments:StudyVotesPerMinute"] = "2" });

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_third_vote_from_one_address_within_a_minute_is_a_429_and_not_counted()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "limited", items: 3);
        var link = await (await ada.PostAsync($"/api/experiments/{id}/study-links", null)).Content.ReadFromJsonAsync<JsonElement>();
        var token = link.GetProperty("token").GetString()!;
        var participant = server.Client();
        Assert.Equal(HttpStatusCode.Redirect, (await participant.GetAsync($"/study/{token}")).StatusCode);

        HttpResponseMessage last = null!;
        foreach (var item in new[] { "q1", "q2", "q3" })
            last = await participant.PostAsync($"/study/{token}/votes", Json(new { armA = "A", armB = "B", itemId = item, sample = 0, choice = "left" }));
        Assert.Equal(HttpStatusCode.TooManyRequests, last.StatusCode);
        Assert.Contains("Too many votes from your address", await last.Content.ReadAsStringAsync());
        var ratings = await ada.GetFromJsonAsync<JsonElement>($"/api/experiments/{id}/ratings?source=human");
        Assert.Equal(2, ratings.GetProperty("votes").GetInt32());
    }
}
