using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AngleSharp.Html.Parser;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;
using static ConstitutionHub.Web.Tests.Experiments.VotingExperiment;

namespace ConstitutionHub.Web.Tests.Sharing;

/// <summary>Public links to an experiment's results over real HTTP (and in a real Chromium), against the real app and database.</summary>
public sealed class ExperimentShareTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(ExperimentShareTests), settings: Settings);
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static async Task<JsonElement> ShareAsync(HttpClient client, Guid experiment, object body)
    {
        var response = await client.PostAsync($"/api/experiments/{experiment}/share-links", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task VoteAsync(HttpClient client, Guid experiment, string item, string choice) =>
        (await client.PostAsync($"/api/experiments/{experiment}/votes", Json(new { armA = "A", armB = "B", itemId = item, sample = 0, choice })))
            .EnsureSuccessStatusCode();

    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> PageAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {html}");
        return new HtmlParser().ParseDocument(html);
    }

    private static string Leaderboard(AngleSharp.Html.Dom.IHtmlDocument page) =>
        page.QuerySelector("[data-testid=human-leaderboard]")?.TextContent ?? "(no leaderboard)";

    [Fact]
    public async Task A_snapshot_keeps_the_results_of_its_moment_while_a_live_link_counts_later_votes()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var bea = await server.SignedInClientAsync("Bea");
        var id = await CreateAsync(server, ada, "share-snapshot", items: 3);
        await VoteAsync(bea, id, "q1", "left");
        var snapshot = await ShareAsync(ada, id, new { mode = "snapshot" });
        var live = await ShareAsync(ada, id, new { mode = "live", expires = "7d" });
        Assert.StartsWith($"{server.Address.ToString().TrimEnd('/')}/s/", snapshot.GetProperty("url").GetString());

        var reader = server.Client();
        var before = await PageAsync(reader, $"/s/{snapshot.GetProperty("token").GetString()}");
        Assert.Contains("1 votes", Leaderboard(before));
        // After the snapshot: a new vote, and Bea changes her mind on the vote it counted.
        await VoteAsync(bea, id, "q2", "left");
        await VoteAsync(bea, id, "q1", "right");

        var after = await PageAsync(reader, $"/s/{snapshot.GetProperty("token").GetString()}");
        var following = await PageAsync(reader, $"/s/{live.GetProperty("token").GetString()}");
        Assert.Equal(Leaderboard(before), Leaderboard(after));
        Assert.Equal(before.QuerySelector("[data-testid=human-leaderboard] table")!.OuterHtml, after.QuerySelector("[data-testid=human-leaderboard] table")!.OuterHtml);
        Assert.Contains("2 votes", Leaderboard(following));
        Assert.Contains("Frozen at the moment it was shared", after.QuerySelector(".share-live-status")!.TextContent);
        Assert.Contains("Live", following.QuerySelector(".share-badge")!.TextContent);

        // What the page holds: name, prompt set, arms as labels, a leaderboard with intervals and win rates, the chart,
        // and the items with both arms' outputs side by side, their markup shown as text.
        Assert.Equal("Blind test", after.QuerySelector("h1")!.TextContent);
        Assert.Contains("prompt set Votes", after.QuerySelector(".share-meta")!.TextContent);
        Assert.Equal(["A: plain", "B: same again"], after.QuerySelectorAll(".share-arms > li").Select(li => li.TextContent.Split(" share-snapshot")[0].Trim()));
        Assert.Contains("share-snapshot, revision 1", after.QuerySelector(".share-arms")!.TextContent);
        Assert.Contains("95% interval", Leaderboard(after));
        Assert.Contains("row beats column", Leaderboard(after));
        Assert.NotNull(after.QuerySelector("[data-testid=human-leaderboard] .share-chart svg"));
        Assert.Equal(3, after.QuerySelectorAll(".share-item").Length);
        Assert.Equal(2, after.QuerySelectorAll(".share-item[data-item=q1] .share-output").Length);
        Assert.Contains("<i onmouseover", after.QuerySelector(".share-item[data-item=q1] .share-output")!.TextContent);
        Assert.Empty(after.QuerySelectorAll("[onmouseover], style, [style]"));
        Assert.Empty(after.QuerySelectorAll("script"));
    }

    [Fact]
    public async Task The_page_carries_the_share_headers_and_link_preview_tags_and_a_png_of_its_chart()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "share-headers", items: 1);
        await VoteAsync(ada, id, "q1", "left");
        var token = (await ShareAsync(ada, id, new { })).GetProperty("token").GetString();

        var response = await server.Client().GetAsync($"/s/{token}");
        var page = new HtmlParser().ParseDocument(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("noindex, nofollow", response.Headers.GetValues("X-Robots-Tag").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp);
        Assert.DoesNotContain("unsafe", csp);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("noindex, nofollow", page.QuerySelector("meta[name=robots]")?.GetAttribute("content"));
        Assert.Equal("Blind test", page.QuerySelector("meta[property='og:title']")?.GetAttribute("content"));
        Assert.Contains("2 arms over 1 prompts", page.QuerySelector("meta[property='og:description']")?.GetAttribute("content"));
        Assert.Equal($"{server.Address.ToString().TrimEnd('/')}/s/{token}/preview.png", page.QuerySelector("meta[property='og:image']")?.GetAttribute("content"));

        var png = await server.Client().GetAsync($"/s/{token}/preview.png");
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, (await png.Content.ReadAsByteArrayAsync())[..4]);
    }

    [Fact]
    public async Task A_revoked_link_answers_at_once_what_an_unknown_or_malformed_one_does()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "share-revoke", items: 1);
        await VoteAsync(ada, id, "q1", "left");
        var link = await ShareAsync(ada, id, new { mode = "live" });
        var token = link.GetProperty("token").GetString()!;
        var reader = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/s/{token}")).StatusCode);

        // The person's share links list it beside their chats' links, leading to the run page.
        var shares = new HtmlParser().ParseDocument(await ada.GetStringAsync("/shares"));
        var row = shares.QuerySelector($"a[data-share-id='{link.GetProperty("id").GetGuid()}']");
        Assert.Equal(("Blind test", $"/experiments/{id}"), (row?.TextContent, row?.GetAttribute("href")));
        Assert.Contains("Experiment, live", shares.Body!.TextContent);

        var revoke = await ada.PostAsync($"/api/experiments/{id}/share-links/{link.GetProperty("id").GetGuid()}/revoke", null);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        var listed = await ada.GetFromJsonAsync<JsonElement>($"/api/experiments/{id}/share-links");
        Assert.NotEqual(JsonValueKind.Null, listed[0].GetProperty("revoked").ValueKind);

        var answers = new List<(string Case, HttpStatusCode Status, string Body, string Headers)>();
        foreach (var (name, t) in new[] { ("revoked", token), ("unknown", new string('A', ShareLinks.TokenLength)), ("malformed", "not-a-token") })
            foreach (var suffix in new[] { "", "?page=2", ".json", "/preview.png" })
            {
                var response = await reader.GetAsync($"/s/{t}{suffix}");
                var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers).Where(h => h.Key is not ("Date" or "Content-Length"))
                    .OrderBy(h => h.Key).Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
                answers.Add(($"{name}{suffix}", response.StatusCode, await response.Content.ReadAsStringAsync(), headers));
            }
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Single(answers.Select(a => a.Headers).Distinct());
    }

    [Fact]
    public async Task Bad_choices_and_pages_are_400s_with_their_reason_and_make_no_link()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "share-bad", items: 1);
        async Task Refused(HttpContent body, string reason)
        {
            var response = await ada.PostAsync($"/api/experiments/{id}/share-links", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        }

        await Refused(Json(new { mode = "forever" }), "Choose 'snapshot'");
        await Refused(Json(new { expires = "2y" }), "1h, 1d, 7d, 30d or never");
        await Refused(Json(new { showPrompts = "yes" }), "not valid JSON");
        await Refused(new StringContent("{", System.Text.Encoding.UTF8, "application/json"), "not valid JSON");
        Assert.Equal(0, (await ada.GetFromJsonAsync<JsonElement>($"/api/experiments/{id}/share-links")).GetArrayLength());

        var token = (await ShareAsync(ada, id, new { })).GetProperty("token").GetString();
        foreach (var page in new[] { "abc", "0", "2", "-1", "99999999" })
        {
            var response = await server.Client().GetAsync($"/s/{token}?page={page}");
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("page", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync($"/s/{token}?page=1")).StatusCode);
    }

    [Fact]
    public async Task Only_the_owner_or_a_maintainer_shares_and_a_reader_or_stranger_may_not()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var open = await CreateAsync(server, ada, "share-who-public", items: 1);
        var hidden = await CreateAsync(server, ada, "share-who-private", items: 1, visibility: "private");
        var bea = await server.SignedInClientAsync("Bea");

        // Bea reads the public constitution (she may look at the run) but is not its maintainer nor the experiment's owner.
        Assert.Equal(HttpStatusCode.OK, (await bea.GetAsync($"/api/experiments/{open}")).StatusCode);
        var reader = await bea.PostAsync($"/api/experiments/{open}/share-links", Json(new { }));
        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bea.GetAsync($"/api/experiments/{open}/share-links")).StatusCode);
        // The private one does not exist for her.
        Assert.Equal(HttpStatusCode.NotFound, (await bea.PostAsync($"/api/experiments/{hidden}/share-links", Json(new { }))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().PostAsync($"/api/experiments/{open}/share-links", Json(new { }))).StatusCode);

        // A viewer of the private constitution reads the run but may not publish it; a maintainer of it may.
        var cy = await server.SignedInClientAsync("Cy");
        async Task JoinAsync(HttpClient who, string handle, string role)
        {
            (await ada.PostAsync("/api/constitutions/share-who-private/invitations", Json(new { handle, role }))).EnsureSuccessStatusCode();
            (await who.PostAsync("/api/constitutions/share-who-private/invitations/accept", null)).EnsureSuccessStatusCode();
        }
        await JoinAsync(bea, "bea", "viewer");
        await JoinAsync(cy, "cy", "maintainer");
        Assert.Equal(HttpStatusCode.OK, (await bea.GetAsync($"/api/experiments/{hidden}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bea.PostAsync($"/api/experiments/{hidden}/share-links", Json(new { }))).StatusCode);
        var byMaintainer = await ShareAsync(cy, hidden, new { mode = "live" });
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync($"/s/{byMaintainer.GetProperty("token").GetString()}")).StatusCode);
        Assert.Single((await cy.GetFromJsonAsync<JsonElement>($"/api/experiments/{hidden}/share-links")).EnumerateArray());

        // Nor may Bea revoke Ada's link.
        var link = await ShareAsync(ada, open, new { });
        var revoke = await bea.PostAsync($"/api/experiments/{open}/share-links/{link.GetProperty("id").GetGuid()}/revoke", null);
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync($"/s/{link.GetProperty("token").GetString()}")).StatusCode);
    }

    [Fact]
    public async Task A_private_constitution_stays_off_the_page_unless_the_link_shows_prompts()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "share-secret-doc", items: 1, visibility: "private");
        await VoteAsync(ada, id, "q1", "left");
        var plain = (await ShareAsync(ada, id, new { })).GetProperty("token").GetString();
        var open = (await ShareAsync(ada, id, new { showPrompts = true })).GetProperty("token").GetString();
        var reader = server.Client();

        var html = await reader.GetStringAsync($"/s/{plain}");
        Assert.DoesNotContain("share-secret-doc", html);
        Assert.DoesNotContain("Tell the truth", html);
        Assert.DoesNotContain("Honesty", html);
        Assert.Contains("a constitution that is not public", html);
        Assert.Contains("Answer 1", html);

        var shown = new HtmlParser().ParseDocument(await reader.GetStringAsync($"/s/{open}"));
        Assert.Contains("share-secret-doc, revision 1", shown.QuerySelector(".share-arms")!.TextContent);
        // Named, not linked: the constitution itself still opens only for its members.
        Assert.Empty(shown.QuerySelectorAll(".share-arms a"));
        Assert.Contains("Tell the truth.", shown.QuerySelector(".share-arms details.share-prompt pre")!.TextContent);
    }

    [Fact]
    public async Task In_a_browser_the_owner_shares_from_the_run_page_and_a_stranger_reads_the_leaderboard()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, "share-browser", items: 2);
        await VoteAsync(ada, id, "q1", "left");

        var owner = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(owner, "Ada", $"/experiments/{id}");
        await Chromium.WaitForLiveAsync(owner);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Create share link" }).ClickAsync();
        var url = await owner.GetByTestId("experiment-share-url").TextContentAsync();
        Assert.NotNull(url);
        await Assertions.Expect(owner.GetByTestId("experiment-share-link")).ToContainTextAsync("until revoked");

        var stranger = await Chromium.NewPageAsync(server.Address);
        var response = await stranger.GotoAsync(url!);
        Assert.Equal(200, response!.Status);
        var board = stranger.GetByRole(AriaRole.Region, new() { Name = "Leaderboard (people's blind votes)" });
        await Assertions.Expect(board).ToBeVisibleAsync();
        await Assertions.Expect(board.GetByRole(AriaRole.Table).First).ToContainTextAsync("plain");
        await Assertions.Expect(stranger.GetByRole(AriaRole.Img, new() { Name = "Ratings with 95% intervals" })).ToBeVisibleAsync();
        await Assertions.Expect(stranger.GetByRole(AriaRole.Heading, new() { Name = "Blind test" })).ToBeVisibleAsync();

        // Revoked on the run page: the stranger's next load is the not-found page.
        await owner.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(owner.GetByTestId("experiment-share-link")).ToHaveAttributeAsync("data-state", "revoked");
        var again = await stranger.GotoAsync(url!);
        Assert.Equal(404, again!.Status);
        await Assertions.Expect(stranger.GetByRole(AriaRole.Heading, new() { Name = "This link does not exist or no longer works" })).ToBeVisibleAsync();
        // The run page reads the run every second: closed here, it does not outlive the server.
        await owner.Context.CloseAsync();
        await stranger.Context.CloseAsync();
    }
}
