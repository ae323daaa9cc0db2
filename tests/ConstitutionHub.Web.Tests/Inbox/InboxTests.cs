using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Chats;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Inbox;

/// <summary>The inbox over real HTTP and in Chromium, on two web nodes sharing one database: a reply written through
/// one node reaches the badge of a reader on the other without a reload, and marking it read there clears it.</summary>
public sealed class InboxTests : IAsyncLifetime
{
    private TwoNodes nodes = null!;

    public async Task InitializeAsync() => nodes = await TwoNodes.StartAsync(nameof(InboxTests));
    public async Task DisposeAsync() => await nodes.DisposeAsync();

    private static async Task<Guid> AnnotateAsync(HttpClient client, string slug, string section)
    {
        var created = await client.PostAsJsonAsync($"/api/constitutions/{slug}/annotations", new { sectionId = section, exact = "good questions", body = "Which ones?" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<JsonElement> InboxAsync(HttpClient client, int count) =>
        await Eventually.GetAsync(async () => await client.GetFromJsonAsync<JsonElement>("/api/inbox?unread=true"),
            inbox => inbox.GetProperty("notifications").GetArrayLength() == count, $"{count} unread notification(s)");

    [Fact]
    public async Task The_inbox_api_lists_a_reply_links_it_marks_it_read_and_refuses_bad_input()
    {
        await ChatKit.CreateConstitutionAsync(nodes.A, "Ada", "inbox-api");
        var section = await ChatKit.SectionIdAsync(nodes.A, "inbox-api", "Curiosity");
        var bob = await nodes.A.SignedInClientAsync("Bob");
        var carol = await nodes.B.SignedInClientAsync("Carol");
        var thread = await AnnotateAsync(bob, "inbox-api", section);
        Assert.Equal(HttpStatusCode.Created, (await carol.PostAsJsonAsync($"/api/annotations/{thread}/replies", new { body = "These ones." })).StatusCode);

        var inbox = await InboxAsync(bob, 1);
        var item = inbox.GetProperty("notifications")[0];
        Assert.Equal("reply", item.GetProperty("kind").GetString());
        Assert.Equal("Carol", item.GetProperty("actorName").GetString());
        Assert.Equal($"/c/inbox-api?annotation={thread}", item.GetProperty("link").GetString());
        Assert.Equal(1, inbox.GetProperty("unread").GetInt32());
        Assert.Equal(0, (await carol.GetFromJsonAsync<JsonElement>("/api/inbox")).GetProperty("notifications").GetArrayLength());

        // Bad input: 400 with the field, nothing marked.
        foreach (var bad in new object[] { new { }, new { all = true, seqs = new[] { 1L } }, new { seqs = Enumerable.Range(1, 501).Select(i => (long)i).ToArray() } })
            Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsJsonAsync("/api/inbox/read", bad)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsync("/api/inbox/read", new StringContent("{", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.GetAsync("/api/inbox?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await nodes.A.Client().GetAsync("/api/inbox")).StatusCode);
        Assert.Equal(1, (await bob.GetFromJsonAsync<JsonElement>("/api/inbox/count")).GetProperty("unread").GetInt32());

        var read = await bob.PostAsJsonAsync("/api/inbox/read", new { seqs = new[] { item.GetProperty("seq").GetInt64() } });
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(0, (await bob.GetFromJsonAsync<JsonElement>("/api/inbox/count")).GetProperty("unread").GetInt32());
        Assert.True((await bob.GetFromJsonAsync<JsonElement>("/api/inbox")).GetProperty("notifications")[0].GetProperty("read").GetBoolean());
    }

    [Fact]
    public async Task Watching_a_section_through_the_api_brings_its_revisions_and_bad_targets_are_refused()
    {
        await ChatKit.CreateConstitutionAsync(nodes.A, "Ada", "watch-api");
        var section = await ChatKit.SectionIdAsync(nodes.A, "watch-api", "Curiosity");
        var bob = await nodes.B.SignedInClientAsync("Bob");

        Assert.False((await bob.GetFromJsonAsync<JsonElement>($"/api/constitutions/watch-api/watch?kind=section&sectionId={section}")).GetProperty("watching").GetBoolean());
        var watched = await bob.PostAsJsonAsync("/api/constitutions/watch-api/watch", new { kind = "section", sectionId = section, watching = true });
        Assert.Equal(HttpStatusCode.OK, watched.StatusCode);
        Assert.True((await bob.GetFromJsonAsync<JsonElement>($"/api/constitutions/watch-api/watch?kind=section&sectionId={section}")).GetProperty("watching").GetBoolean());

        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsJsonAsync("/api/constitutions/watch-api/watch", new { kind = "section", sectionId = "nope", watching = true })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsJsonAsync("/api/constitutions/watch-api/watch", new { kind = "planet", watching = true })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PostAsJsonAsync("/api/constitutions/watch-api/watch", new { kind = "constitution" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.GetAsync("/api/constitutions/watch-api/watch?kind=1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsJsonAsync("/api/constitutions/watch-api/watch", new { kind = "thread", annotationId = Guid.NewGuid(), watching = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsJsonAsync("/api/constitutions/no-such/watch", new { watching = true })).StatusCode);

        var ada = await nodes.A.SignedInClientAsync("Ada");
        var save = new HttpRequestMessage(HttpMethod.Post, "/api/constitutions/watch-api/revisions")
        {
            Content = JsonContent.Create(new { markdown = ChatKit.Markdown.Replace("Ask good questions.", "Ask good, short questions."), summary = "shorter" }),
        };
        save.Headers.TryAddWithoutValidation("If-Match", "\"r1\"");
        var saved = await ada.SendAsync(save);
        Assert.True(saved.IsSuccessStatusCode, await saved.Content.ReadAsStringAsync());

        var item = (await InboxAsync(bob, 1)).GetProperty("notifications")[0];
        Assert.Equal("revision", item.GetProperty("kind").GetString());
        Assert.Equal("/c/watch-api/diff?from=1&to=2", item.GetProperty("link").GetString());
    }

    [Fact]
    public async Task The_badge_on_one_node_counts_a_reply_made_through_the_other_live_and_the_inbox_page_marks_it_read()
    {
        await ChatKit.CreateConstitutionAsync(nodes.A, "Ada", "badge");
        var section = await ChatKit.SectionIdAsync(nodes.A, "badge", "Curiosity");
        var page = await Chromium.NewPageAsync(nodes.B.Address);
        await Chromium.SignInAsync(page, "Bob");
        var bob = await nodes.B.SignedInClientAsync("Bob");
        var thread = await AnnotateAsync(bob, "badge", section);
        await Chromium.GotoLiveAsync(page, "/");
        var badge = page.GetByTestId("inbox-badge");
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-unread", "0");

        var carol = await nodes.A.SignedInClientAsync("Carol");
        Assert.Equal(HttpStatusCode.Created, (await carol.PostAsJsonAsync($"/api/annotations/{thread}/replies", new { body = "Look at @bob's list." })).StatusCode);
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-unread", "1", new() { Timeout = 60_000 });

        await Chromium.GotoLiveAsync(page, "/inbox");
        var item = page.GetByTestId("notification");
        await Assertions.Expect(item).ToHaveAttributeAsync("data-kind", "mention");
        await Assertions.Expect(item.GetByTestId("notification-link")).ToHaveAttributeAsync("href", $"/c/badge?annotation={thread}");
        await page.GetByTestId("mark-all-read").ClickAsync();
        await Assertions.Expect(page.GetByTestId("inbox-empty")).ToBeVisibleAsync();
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-unread", "0");

        // Read through the other node: a second tab's badge on this node hears it through the node bus.
        var another = await carol.PostAsJsonAsync($"/api/annotations/{thread}/replies", new { body = "And one more." });
        Assert.Equal(HttpStatusCode.Created, another.StatusCode);
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-unread", "1", new() { Timeout = 60_000 });
        var bobOnA = await nodes.A.SignedInClientAsync("Bob");
        Assert.Equal(HttpStatusCode.OK, (await bobOnA.PostAsJsonAsync("/api/inbox/read", new { all = true })).StatusCode);
        await Assertions.Expect(badge).ToHaveAttributeAsync("data-unread", "0", new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task The_read_page_shows_the_owner_watching_and_its_buttons_stop_and_start_watching()
    {
        await ChatKit.CreateConstitutionAsync(nodes.A, "Ada", "watch-page");
        var section = await ChatKit.SectionIdAsync(nodes.A, "watch-page", "Curiosity");
        var page = await Chromium.NewPageAsync(nodes.A.Address);
        await Chromium.SignInAsync(page, "Ada");
        await Chromium.GotoLiveAsync(page, "/c/watch-page");

        var constitution = page.GetByTestId("watch-constitution");
        await Assertions.Expect(constitution).ToHaveAttributeAsync("data-watching", "true");
        await constitution.ClickAsync();
        await Assertions.Expect(constitution).ToHaveAttributeAsync("data-watching", "false");
        var curiosity = page.Locator($"[data-section-id='{section}']").GetByTestId("watch-section");
        await Assertions.Expect(curiosity).ToHaveAttributeAsync("data-watching", "false");
        await curiosity.ClickAsync();
        await Assertions.Expect(curiosity).ToHaveAttributeAsync("data-watching", "true");

        var ada = await nodes.A.SignedInClientAsync("Ada");
        Assert.False((await ada.GetFromJsonAsync<JsonElement>("/api/constitutions/watch-page/watch")).GetProperty("watching").GetBoolean());
        Assert.True((await ada.GetFromJsonAsync<JsonElement>($"/api/constitutions/watch-page/watch?kind=section&sectionId={section}")).GetProperty("watching").GetBoolean());
        await page.ReloadAsync();
        await Chromium.WaitForLiveAsync(page);
        await Assertions.Expect(page.Locator($"[data-section-id='{section}']").GetByTestId("watch-section")).ToHaveAttributeAsync("data-watching", "true");
    }
}
