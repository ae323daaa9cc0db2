using System.Diagnostics;
using System.Net;
using System.Text.Json;
using AngleSharp.Html.Parser;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Features.Sharing;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Time.Testing;

namespace ConstitutionHub.Web.Tests.Sharing;

/// <summary>The public side of share links over real HTTP against the real app and database.</summary>
public sealed class ShareHttpTests : IAsyncLifetime
{
    // Expiry is checked against the app's clock: the tests move it instead of waiting for a link to expire.
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private HubServer server = null!;
    private SharedChats chats = null!;
    private HttpClient owner = null!;

    public async Task InitializeAsync()
    {
        server = await HubServer.StartAsync(nameof(ShareHttpTests), configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
        chats = new SharedChats(server);
        owner = await server.SignedInClientAsync("Ada");
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private static async Task<AngleSharp.Html.Dom.IHtmlDocument> PageAsync(HttpClient client, string path) =>
        new HtmlParser().ParseDocument(await client.GetStringAsync(path));

    [Fact]
    public async Task A_snapshot_stays_as_it_was_shared_while_a_live_link_shows_later_turns()
    {
        var chat = await chats.StartAsync();
        var (_, a1) = await chats.TurnAsync(chat.Id, null, "What is honesty?", "Honesty is ", "telling the **truth**.");
        var snapshot = await SharedChats.CreateLinkAsync(owner, chat.Id, "snapshot");
        var live = await SharedChats.CreateLinkAsync(owner, chat.Id, "live");
        await chats.TurnAsync(chat.Id, a1, "And kindness?", "Kindness is care.");

        var reader = server.Client();
        var snap = await PageAsync(reader, $"/s/{snapshot}");
        var follow = await PageAsync(reader, $"/s/{live}");

        Assert.Equal(2, snap.QuerySelectorAll(".share-msg").Length);
        Assert.Equal("truth", snap.QuerySelector(".share-assistant strong")?.TextContent);
        Assert.DoesNotContain("Kindness is care.", snap.Body!.TextContent);
        Assert.Equal("snapshot", snap.QuerySelector("[data-share]")!.GetAttribute("data-mode"));
        Assert.Equal(4, follow.QuerySelectorAll(".share-msg").Length);
        Assert.Contains("Kindness is care.", follow.Body!.TextContent);
        Assert.Equal("live", follow.QuerySelector("[data-share]")!.GetAttribute("data-mode"));
        Assert.Equal(["Ada", "tiny-llama (assistant)"], follow.QuerySelectorAll(".share-speaker").Take(2).Select(s => s.TextContent.Trim()));
        Assert.Contains("baseline, revision 1", follow.QuerySelector(".share-meta")!.TextContent);
        Assert.NotNull(follow.QuerySelector(".share-provenance"));
        Assert.NotNull(follow.QuerySelector("details.share-prompt pre"));
    }

    [Fact]
    public async Task A_hidden_system_prompt_is_absent_from_the_page_the_json_and_the_markdown()
    {
        var chat = await chats.StartAsync();
        await chats.TurnAsync(chat.Id, null, "Hello", "Hi there.");
        var prompt = (await chats.Queries.ThreadAsync(chat.Id))!.Provenance.SystemPrompt;
        var probe = prompt.Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderByDescending(l => l.Length).First().Trim();
        var hidden = await SharedChats.CreateLinkAsync(owner, chat.Id, "snapshot", hide: true);
        var shown = await SharedChats.CreateLinkAsync(owner, chat.Id, "snapshot");
        var reader = server.Client();

        foreach (var suffix in new[] { "", ".json", ".md" })
        {
            Assert.DoesNotContain(JsonOrText(probe, suffix), await BodyAsync(reader, $"/s/{hidden}{suffix}"));
            // The probe line is really in the prompt: the same export of a link that shows it contains it.
            Assert.Contains(JsonOrText(probe, suffix), await BodyAsync(reader, $"/s/{shown}{suffix}"));
        }
        var json = JsonDocument.Parse(await reader.GetStringAsync($"/s/{hidden}.json")).RootElement;
        Assert.True(json.GetProperty("systemPromptHidden").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("provenance").GetProperty("systemPrompt").ValueKind);
    }

    private static string JsonOrText(string text, string suffix) => suffix == ".json" ? JsonSerializer.Serialize(text)[1..^1] : text;

    /// <summary>A download as it is; the page with its character references decoded, so the text is found however the
    /// page spells an apostrophe or a dash.</summary>
    private static async Task<string> BodyAsync(HttpClient client, string path)
    {
        var body = await client.GetStringAsync(path);
        return path.EndsWith(".json", StringComparison.Ordinal) || path.EndsWith(".md", StringComparison.Ordinal) ? body : WebUtility.HtmlDecode(body);
    }

    [Fact]
    public async Task The_json_download_is_the_transcript_export_of_the_shared_branch()
    {
        var chat = await chats.StartAsync();
        await chats.TurnAsync(chat.Id, null, "First", "One.");
        await chats.TurnAsync(chat.Id, null, "First, edited", "Two.");
        var token = await SharedChats.CreateLinkAsync(owner, chat.Id, "live");

        var response = await server.Client().GetAsync($"/s/{token}.json");

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync();
        // ChatExport.Json is checked against transcript.schema.json in Core's tests; this is that export, byte for byte.
        Assert.Equal(ChatExport.Json((await chats.Links.OpenAsync(token))!.Thread), body);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.Equal("constitutionhub.chat-transcript", root.GetProperty("format").GetString());
        Assert.Equal(2, root.GetProperty("messages").GetArrayLength());
        Assert.StartsWith("# ", await (await server.Client().GetAsync($"/s/{token}.md")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Share_pages_are_kept_from_search_engines_send_no_referrer_and_allow_only_own_scripts()
    {
        var chat = await chats.StartAsync("Tags & previews");
        await chats.TurnAsync(chat.Id, null, "Can you explain <b>markup</b>?", "Yes.");
        var token = await SharedChats.CreateLinkAsync(owner, chat.Id, "snapshot");

        var response = await server.Client().GetAsync($"/s/{token}");
        var html = await response.Content.ReadAsStringAsync();
        var page = new HtmlParser().ParseDocument(html);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("noindex, nofollow", response.Headers.GetValues("X-Robots-Tag").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'self'", csp);
        Assert.DoesNotContain("unsafe", csp);
        Assert.Equal("noindex, nofollow", page.QuerySelector("meta[name=robots]")?.GetAttribute("content"));
        Assert.Equal("Tags & previews", page.QuerySelector("meta[property='og:title']")?.GetAttribute("content"));
        Assert.Contains("Can you explain <b>markup</b>?", page.QuerySelector("meta[property='og:description']")?.GetAttribute("content"));
        Assert.Equal($"{server.Address.ToString().TrimEnd('/')}/s/{token}/preview.png", page.QuerySelector("meta[property='og:image']")?.GetAttribute("content"));
        Assert.Equal("summary_large_image", page.QuerySelector("meta[name='twitter:card']")?.GetAttribute("content"));
        Assert.NotNull(page.QuerySelector("meta[name='twitter:image']"));
        // The inert renderer shows the user's markup as text.
        Assert.Empty(page.QuerySelectorAll(".share-msg b"));
        // No inline script or style: the CSP would block it.
        Assert.All(page.QuerySelectorAll("script"), s => Assert.False(string.IsNullOrEmpty(s.GetAttribute("src"))));
        Assert.Empty(page.QuerySelectorAll("style, [style]"));
    }

    [Fact]
    public async Task The_preview_is_a_real_png_of_link_preview_size_and_is_cached()
    {
        var chat = await chats.StartAsync("Preview chat");
        await chats.TurnAsync(chat.Id, null, "Tell me about <tags> & \"quotes\" in the preview",
            "Here they are: <svg> & more, and a control character \u0001 a model wrote.");
        var token = await SharedChats.CreateLinkAsync(owner, chat.Id, "snapshot");
        var reader = server.Client();

        var clock = Stopwatch.StartNew();
        var first = await reader.GetAsync($"/s/{token}/preview.png");
        var firstTime = clock.Elapsed;
        var png = await first.Content.ReadAsByteArrayAsync();
        clock.Restart();
        var again = await (await reader.GetAsync($"/s/{token}/preview.png")).Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("image/png", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        // IHDR: width and height, big-endian, at bytes 16-23.
        Assert.Equal(1200, (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19]);
        Assert.Equal(630, (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23]);
        Assert.InRange(png.Length, 10_000, 2_000_000);
        Assert.Equal(png, again);
        Console.WriteLine($"preview: {png.Length:N0} bytes, first {firstTime.TotalMilliseconds:0} ms, cached {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Unknown_revoked_expired_and_malformed_tokens_answer_the_same_404()
    {
        var chat = await chats.StartAsync();
        await chats.TurnAsync(chat.Id, null, "Hello", "Hi.");
        var revoked = await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Live);
        await chats.Links.RevokeAsync(SharedChats.Ada, revoked.Link.Id);
        var expired = await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Snapshot, clock.GetUtcNow().AddSeconds(1));
        var unknown = new string('A', ShareLinks.TokenLength);
        var malformed = "not-a-token";
        clock.Advance(TimeSpan.FromSeconds(2));

        var reader = server.Client();
        var answers = new List<(string Case, HttpStatusCode Status, string Body, string Headers)>();
        foreach (var (name, token) in new[] { ("unknown", unknown), ("revoked", revoked.Token), ("expired", expired.Token), ("malformed", malformed) })
        {
            foreach (var suffix in new[] { "", ".json", ".md", "/preview.png" })
            {
                var response = await reader.GetAsync($"/s/{token}{suffix}");
                var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers)
                    .Where(h => h.Key is not ("Date" or "Content-Length"))
                    .OrderBy(h => h.Key).Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
                answers.Add(($"{name}{suffix}", response.StatusCode, await response.Content.ReadAsStringAsync(), headers));
            }
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.NotFound, a.Status));
        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Single(answers.Select(a => a.Headers).Distinct());
        Assert.Contains("noindex", answers[0].Headers);
    }

    [Fact]
    public async Task Revoking_from_the_share_list_ends_the_link_at_once()
    {
        var chat = await chats.StartAsync("Revocable");
        await chats.TurnAsync(chat.Id, null, "Hello", "Hi.");
        var token = await SharedChats.CreateLinkAsync(owner, chat.Id, "live", expires: "7d");
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync($"/s/{token}")).StatusCode);

        var list = await PageAsync(owner, "/shares");
        var row = list.QuerySelector("[data-testid=share-links] tbody tr")!;
        Assert.Contains("Revocable", row.TextContent);
        Assert.Equal("active", row.QuerySelector("[data-testid=state]")!.TextContent);
        var form = row.QuerySelector("form")!;
        var revoke = await owner.PostAsync(form.GetAttribute("action"), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = form.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!,
        }));

        Assert.Equal(HttpStatusCode.Redirect, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync($"/s/{token}")).StatusCode);
        Assert.Equal("revoked", (await PageAsync(owner, "/shares")).QuerySelector("[data-testid=state]")!.TextContent);
    }

    [Fact]
    public async Task Only_the_owner_shares_and_revokes_and_the_form_needs_its_antiforgery_token()
    {
        var chat = await chats.StartAsync();
        await chats.TurnAsync(chat.Id, null, "Hello", "Hi.");
        var other = await server.SignedInClientAsync("Bea");

        await Assert.ThrowsAsync<InvalidOperationException>(() => SharedChats.CreateLinkAsync(other, chat.Id, "live"));
        var noToken = await owner.PostAsync("/shares/create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["chatId"] = chat.Id.ToString(), ["mode"] = "live",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        var link = await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Live);
        var revoke = await other.PostAsync($"/shares/{link.Link.Id}/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await HubServer.AntiforgeryTokenAsync(other),
        }));
        Assert.Equal(HttpStatusCode.NotFound, revoke.StatusCode);
        Assert.Equal(ShareState.Active, (await chats.Links.LinkAsync(link.Link.Id))!.State);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendBadForm(owner, chat.Id, "forever")).StatusCode);
    }

    private static async Task<HttpResponseMessage> SendBadForm(HttpClient client, Guid chatId, string expires) =>
        await client.PostAsync("/shares/create", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await HubServer.AntiforgeryTokenAsync(client),
            ["chatId"] = chatId.ToString(), ["mode"] = "live", ["expires"] = expires,
        }));

    [Fact]
    public async Task A_signed_in_reader_continues_a_shared_chat_as_a_copy_of_their_own()
    {
        var chat = await chats.StartAsync("Worth continuing");
        await chats.TurnAsync(chat.Id, null, "Question", "Answer.");
        var token = await SharedChats.CreateLinkAsync(owner, chat.Id, "snapshot", hide: true);
        var reader = await server.SignedInClientAsync("Bea");

        var page = await PageAsync(reader, $"/s/{token}");
        var form = page.QuerySelector($"form[action='/s/{token}/copy']")!;
        var response = await reader.PostAsync($"/s/{token}/copy", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = form.QuerySelector("input[name=__RequestVerificationToken]")!.GetAttribute("value")!,
        }));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var copyId = Guid.Parse(response.Headers.Location!.ToString().Split('/')[^1]);
        var copy = (await chats.Queries.ThreadAsync(copyId))!;
        Assert.Equal("local:bea", copy.Chat.OwnerId);
        Assert.Equal(["Question", "Answer."], copy.Branch.Select(m => m.Text));
        Assert.Null((await PageAsync(server.Client(), $"/s/{token}")).QuerySelector("form[action$='/copy']"));
    }
}

/// <summary>Guessing tokens: a server of its own with a small limit, so the other tests are not slowed by it.</summary>
public sealed class ShareRateLimitTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() =>
        server = await HubServer.StartAsync(nameof(ShareRateLimitTests), settings: new Dictionary<string, string?> { ["Sharing:RequestsPerMinute"] = "5" });

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Guessing_tokens_is_limited_per_address_with_a_429_that_says_when_to_retry()
    {
        var client = server.Client();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 8; i++)
        {
            var response = await client.GetAsync($"/s/{Guid.NewGuid():N}{Guid.NewGuid():N}"[..46]);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused ??= response;
        }

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.NotFound, 5), statuses.Take(5));
        Assert.All(statuses.Skip(5), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        var retry = int.Parse(refused!.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retry, 1, 60);
        Assert.Contains($"Try again in {retry} seconds", await refused.Content.ReadAsStringAsync());
        // The live hub and the downloads have budgets of their own.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/hubs/share/negotiate?negotiateVersion=1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/s/{new string('x', 43)}.json")).StatusCode);
        // Other pages are not limited.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_classroom_behind_one_address_watches_live_while_its_page_views_over_budget_get_429()
    {
        var chats = new SharedChats(server);
        var chat = await chats.StartAsync("Classroom");
        await chats.TurnAsync(chat.Id, null, "Question", "Answer.");
        var token = await SharedChats.CreateLinkAsync(await server.SignedInClientAsync("Ada"), chat.Id, "live");

        // Forty viewers from the one loopback address: a negotiation and a WebSocket each, all on the hub's budget.
        var viewers = new List<HubConnection>();
        try
        {
            for (var i = 0; i < 40; i++)
            {
                var connection = new HubConnectionBuilder()
                    .WithUrl(new Uri(server.Address, SharingSetup.HubPath)).Build();
                viewers.Add(connection);
                await connection.StartAsync();
                await connection.InvokeAsync<ShareUpdate>("Join", token);
            }

            var client = server.Client();
            var statuses = new List<HttpStatusCode>();
            HttpResponseMessage? refused = null;
            for (var i = 0; i < 7; i++)
            {
                var response = await client.GetAsync($"/s/{token}");
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.TooManyRequests) refused ??= response;
            }
            Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5), statuses.Take(5));
            Assert.All(statuses.Skip(5), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
            Assert.InRange(int.Parse(refused!.Headers.GetValues("Retry-After").Single()), 1, 60);
            Assert.All(viewers, v => Assert.Equal(HubConnectionState.Connected, v.State));
        }
        finally
        {
            foreach (var viewer in viewers) await viewer.DisposeAsync();
        }
    }
}
