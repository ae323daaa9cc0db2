using System.Diagnostics;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Sharing;

/// <summary>Share pages in a real Chromium, several viewers at once (one browser context each), against the real app.</summary>
public sealed class ShareBrowserTests : IAsyncLifetime
{
    private HubServer server = null!;
    private SharedChats chats = null!;

    public async Task InitializeAsync()
    {
        server = await HubServer.StartAsync(nameof(ShareBrowserTests));
        chats = new SharedChats(server);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    /// <summary>Records every text the streaming reply shows, so a test can tell an out-of-order or doubled delta
    /// (a text that is not an extension of the one before) from a missing one (the final text differs).</summary>
    private const string WatchScript = """
        () => {
          window.__seen = [];
          const record = () => {
            const plain = document.querySelector('.share-assistant:last-of-type [data-plain]');
            if (plain && window.__seen[window.__seen.length - 1] !== plain.textContent) window.__seen.push(plain.textContent);
          };
          new MutationObserver(record).observe(document.body, { childList: true, subtree: true, characterData: true });
          record();
        }
        """;

    private async Task<IPage> ViewerAsync(string token)
    {
        var page = await Chromium.NewPageAsync(server.Address);
        await page.GotoAsync($"/s/{token}");
        await Assertions.Expect(page.Locator("[data-viewers-line]")).ToBeVisibleAsync();
        await page.EvaluateAsync(WatchScript);
        return page;
    }

    [Fact]
    public async Task Live_viewers_see_every_batch_in_order_and_end_with_the_stored_text_and_a_late_joiner_catches_up()
    {
        var chat = await chats.StartAsync("Live chat");
        var (_, a1) = await chats.TurnAsync(chat.Id, null, "Warm up", "Ready.");
        var token = (await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Live)).Token;
        var viewers = new List<IPage>();
        for (var i = 0; i < 3; i++) viewers.Add(await ViewerAsync(token));
        await Assertions.Expect(viewers[0].Locator("[data-viewers]")).ToHaveTextAsync("3");

        var (_, reply) = await chats.StartTurnAsync(chat.Id, a1, "Count for me");
        var batches = Enumerable.Range(1, 60).Select(i => $"t{i:00} ").ToList();
        IPage? late = null;
        foreach (var (batch, i) in batches.Select((b, i) => (b, i)))
        {
            await chats.AppendAsync(chat.Id, reply, batch);
            if (i == 30) late = await ViewerAsync(token);
            await Task.Delay(15);
        }
        var expected = string.Concat(batches);
        foreach (var page in viewers.Append(late!))
            await Assertions.Expect(page.Locator(".share-assistant").Last.Locator("[data-plain]")).ToHaveTextAsync(expected);

        foreach (var page in viewers)
        {
            var seen = await page.EvaluateAsync<string[]>("() => window.__seen");
            // Every text shown is the one before plus more: nothing doubled, nothing out of order.
            for (var k = 1; k < seen.Length; k++) Assert.StartsWith(seen[k - 1], seen[k]);
            Assert.Equal(expected, seen[^1]);
        }
        var stored = (await chats.Queries.ThreadAsync(chat.Id))!.Branch[^1].Text;
        Assert.Equal(stored, expected);

        await chats.CompleteAsync(chat.Id, reply);
        foreach (var page in viewers)
        {
            await Assertions.Expect(page.Locator(".share-assistant").Last).ToHaveAttributeAsync("data-status", "complete");
            Assert.Equal(stored.Trim(), (await page.Locator(".share-assistant").Last.Locator("[data-text]").TextContentAsync())!.Trim());
        }
        foreach (var page in viewers.Append(late!)) await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_snapshot_does_not_change_while_the_chat_goes_on()
    {
        var chat = await chats.StartAsync("Frozen chat");
        var (_, a1) = await chats.TurnAsync(chat.Id, null, "Before", "As it was.");
        var token = (await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Snapshot)).Token;
        var page = await Chromium.NewPageAsync(server.Address);
        await page.GotoAsync($"/s/{token}");
        await Assertions.Expect(page.Locator(".share-msg")).ToHaveCountAsync(2);

        await chats.TurnAsync(chat.Id, a1, "After", "Later words.");
        await page.WaitForTimeoutAsync(1500);

        await Assertions.Expect(page.Locator(".share-msg")).ToHaveCountAsync(2);
        await Assertions.Expect(page.GetByText("Later words.")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-viewers-line]")).ToHaveCountAsync(0);
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator(".share-msg")).ToHaveCountAsync(2);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Revoking_while_viewers_watch_removes_their_access_within_a_second()
    {
        var chat = await chats.StartAsync("Soon revoked");
        var (_, a1) = await chats.TurnAsync(chat.Id, null, "Question", "Answer.");
        var link = await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Live);
        var owner = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(owner, "Ada", "/shares");
        var viewers = new List<IPage> { await ViewerAsync(link.Token), await ViewerAsync(link.Token) };

        var clock = Stopwatch.StartNew();
        await owner.GetByRole(AriaRole.Button, new() { Name = "Revoke the link to Soon revoked" }).ClickAsync();
        await Assertions.Expect(owner.GetByText("The link was revoked; it stopped working at once.")).ToBeVisibleAsync();
        var revokedAfter = clock.ElapsedMilliseconds;
        foreach (var page in viewers)
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link does not exist or no longer works" }))
                .ToBeVisibleAsync(new() { Timeout = 3000 });
        Console.WriteLine($"revoked viewers lost access {clock.ElapsedMilliseconds} ms after the click; the owner's page confirmed after {revokedAfter} ms");
        // Within a second of the revocation being stored (the owner's confirmation page comes after it), with a
        // little room for the browsers to draw on a loaded machine.
        Assert.InRange(clock.ElapsedMilliseconds - revokedAfter, 0, 1500);
        foreach (var page in viewers)
        {
            await Assertions.Expect(page.GetByText("Answer.")).ToHaveCountAsync(0);
            await page.ReloadAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link does not exist or no longer works" })).ToBeVisibleAsync();
        }
        // Later appends reach no one.
        await chats.TurnAsync(chat.Id, a1, "Still there?", "Nobody sees this.");
        await Assertions.Expect(viewers[0].GetByText("Nobody sees this.")).ToHaveCountAsync(0);
        await owner.Context.CloseAsync();
        foreach (var page in viewers) await page.Context.CloseAsync();
    }

    [Fact]
    public async Task An_expired_link_ends_for_its_viewer_and_looks_like_an_unknown_token()
    {
        var chat = await chats.StartAsync("Short-lived");
        await chats.TurnAsync(chat.Id, null, "Question", "Answer.");
        // Long enough for a slow machine to open the page before the link expires.
        var link = await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Live, DateTimeOffset.UtcNow.AddSeconds(8));
        var page = await ViewerAsync(link.Token);
        await Assertions.Expect(page.GetByText("Answer.")).ToBeVisibleAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "This link does not exist or no longer works" }))
            .ToBeVisibleAsync(new() { Timeout = 15000 });

        await page.ReloadAsync();
        var expired = await page.ContentAsync();
        await page.GotoAsync($"/s/{new string('x', ShareLinks.TokenLength)}");
        Assert.Equal(expired, await page.ContentAsync());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_share_button_creates_a_live_link_in_one_click_and_shows_it_to_copy()
    {
        var chat = await chats.StartAsync("Button chat");
        await chats.TurnAsync(chat.Id, null, "Question", "Answer from the button chat.");
        var page = await Chromium.NewPageAsync(server.Address);
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await Chromium.SignInAsync(page, "Ada", $"/chats/{chat.Id}/share");

        await page.GetByRole(AriaRole.Button, new() { Name = "Share" }).ClickAsync();
        await page.GetByLabel("Live: follows the chat as it goes on").CheckAsync();
        await page.GetByLabel("Link expires").SelectOptionAsync("7d");
        await page.GetByLabel("Hide the system prompt").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create link" }).ClickAsync();
        var url = await page.GetByLabel("Share link").InputValueAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Copy", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Copied.");
        Assert.Equal(url, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        var link = Assert.Single(await chats.Links.ListAsync(SharedChats.Ada.Id, chat.Id));
        Assert.Equal(ShareMode.Live, link.Mode);
        Assert.True(link.HideSystemPrompt);
        Assert.InRange(link.Expires!.Value - DateTimeOffset.UtcNow, TimeSpan.FromDays(6.9), TimeSpan.FromDays(7));
        var reader = await Chromium.NewPageAsync(server.Address);
        await reader.GotoAsync(url);
        await Assertions.Expect(reader.GetByText("Answer from the button chat.")).ToBeVisibleAsync();
        await Assertions.Expect(reader.Locator(".share-prompt-hidden")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
        await reader.Context.CloseAsync();
    }
}
