using System.Text.Json;
using System.Text.RegularExpressions;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Inference;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Chats;

/// <summary>Several browsers watching one chat live, in a real Chromium against the real app and database.</summary>
public sealed partial class ChatBrowserTests : IAsyncLifetime
{
    private static readonly string ShotDirectory = Path.Combine(Path.GetTempPath(), "hub-chat-shots");
    private readonly ScriptedChatModel demo = new("scripted-demo");
    private HubServer server = null!;

    public async Task InitializeAsync()
    {
        // Replies take seconds and the suite shares two cores with other test classes: waits are measured in
        // replies, not in clicks. Longer only, so no other class's expectation becomes stricter.
        Assertions.SetDefaultExpectTimeout(20_000);
        Directory.CreateDirectory(ShotDirectory);
        server = await HubServer.StartAsync(nameof(ChatBrowserTests), configure: new ScriptedModelCatalog(demo).Register);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    /// <summary>Records every text the last reply on the page shows, as it changes, from the first paint on.</summary>
    private const string Recorder = """
        window.__replies = [];
        const record = () => {
          const all = document.querySelectorAll('[data-testid=reply-text]');
          if (all.length === 0) return;
          const text = all[all.length - 1].innerText;
          if (window.__replies[window.__replies.length - 1] !== text) window.__replies.push(text);
        };
        document.addEventListener('DOMContentLoaded', () => {
          record();
          new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        """;

    private async Task<IPage> ViewerAsync(string? name, string path)
    {
        var page = await Chromium.NewPageAsync(server.Address);
        page.Context.SetDefaultTimeout(30_000);
        if (name is not null) await Chromium.SignInAsync(page, name);
        await page.AddInitScriptAsync(Recorder);
        await page.GotoAsync(path);
        await LiveAsync(page);
        return page;
    }

    private static Task LiveAsync(IPage page) =>
        Assertions.Expect(page.GetByTestId("chat")).ToHaveAttributeAsync("data-live", "true");

    private static ILocator LastReply(IPage page) => page.Locator("[data-testid=message][data-role=assistant]").Last;

    private static string Words(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));

    private static async Task<ChatMessageRow> StoredAsync(HubServer server, Guid chatId, Guid replyId) =>
        (await server.Services.GetRequiredService<ChatQueries>().MessageAsync(chatId, replyId))!;

    /// <summary>Every text a viewer saw was a prefix of the final text, each longer than the one before: no token
    /// arrived out of order, went missing or came twice, at any moment.</summary>
    private static async Task<int> AssertGrowingPrefixesAsync(IPage page, string final)
    {
        var seen = (await page.EvaluateAsync<string[]>("() => window.__replies")).Select(Words).Where(t => t.Length > 0).ToList();
        var expected = Words(final);
        for (var i = 0; i < seen.Count; i++)
        {
            Assert.True(expected.StartsWith(seen[i], StringComparison.Ordinal), $"snapshot {i} is not a prefix of the reply: '{seen[i]}'");
            if (i > 0) Assert.True(seen[i].Length > seen[i - 1].Length, $"snapshot {i} did not grow");
        }
        Assert.Equal(expected, seen[^1]);
        return seen.Count;
    }

    [Fact]
    public async Task Several_viewers_and_a_late_joiner_see_every_token_in_order_and_end_with_the_stored_transcript()
    {
        demo.Script = _ => ScriptedChatModel.Numbered(150);
        // About 7.5 s of reply: long enough for every viewer's page to be live while it grows, on a loaded machine too.
        demo.Pace = TimeSpan.FromMilliseconds(50);
        await ChatKit.CreateConstitutionAsync(server, "Ada", "live-doc");

        var ada = await Chromium.NewPageAsync(server.Address);
        ada.Context.SetDefaultTimeout(30_000);
        await Chromium.SignInAsync(ada, "Ada");
        await ada.AddInitScriptAsync(Recorder);
        await ada.GotoAsync("/c/live-doc/chats/new?rev=1");
        await Assertions.Expect(ada.GetByTestId("new-chat")).ToHaveAttributeAsync("data-live", "true");
        await Assertions.Expect(ada.GetByLabel("Model")).ToHaveValueAsync(demo.Info.Id);
        await Assertions.Expect(ada.GetByLabel("Model").Locator("option:checked")).ToContainTextAsync("(Demo)");
        await ada.GetByText("Advanced: sampling").ClickAsync();
        await Assertions.Expect(ada.GetByLabel("Temperature")).ToHaveValueAsync("0.7");
        await ada.GetByLabel("Seed (empty: random)").FillAsync("42");
        await ada.GetByLabel("First message").FillAsync("Count for us, please.");
        await ada.ScreenshotAsync(new() { Path = Path.Combine(ShotDirectory, "new-chat.png"), FullPage = true });
        await ada.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
        await ada.WaitForURLAsync(new Regex("/chats/[0-9a-f-]{36}$"));
        var chatId = Guid.Parse(ada.Url[^36..]);
        await LiveAsync(ada);

        var bea = await ViewerAsync("Bea", $"/chats/{chatId}");
        var anonymous = await ViewerAsync(null, $"/chats/{chatId}");
        await Assertions.Expect(ada.GetByTestId("watchers")).ToContainTextAsync("Bea");
        await Assertions.Expect(ada.GetByTestId("watchers")).ToContainTextAsync("1 other");

        var thread = await server.Services.GetRequiredService<ChatQueries>().ThreadAsync(chatId);
        var replyId = thread!.Branch[^1].Id;
        await ChatKit.WaitForTextAsync(server, chatId, replyId, 300);
        var late = await ViewerAsync("Cy", $"/chats/{chatId}");
        await ada.ScreenshotAsync(new() { Path = Path.Combine(ShotDirectory, "live-streaming.png"), FullPage = true });

        foreach (var page in new[] { ada, bea, anonymous, late })
            await Assertions.Expect(LastReply(page)).ToHaveAttributeAsync("data-status", "complete", new() { Timeout = 30_000 });
        var stored = await StoredAsync(server, chatId, replyId);
        Assert.Equal(ScriptedChatModel.Text(ScriptedChatModel.Numbered(150)), stored.Text);
        Assert.Equal(42, thread.Provenance.Sampling.Seed);

        var counts = new List<int>();
        foreach (var page in new[] { ada, bea, anonymous, late })
        {
            Assert.Equal(Words(stored.Text), Words(await LastReply(page).GetByTestId("reply-text").InnerTextAsync()));
            counts.Add(await AssertGrowingPrefixesAsync(page, stored.Text));
        }
        // The viewers there from the start saw the reply grow batch by batch, not only its end.
        Assert.All(counts.Take(3), c => Assert.True(c >= 5, $"only {c} distinct texts were seen"));
        var lateFirst = Words((await late.EvaluateAsync<string[]>("() => window.__replies")).First(t => t.Trim().Length > 0));
        Assert.True(lateFirst.Length >= Words(stored.Text[..300]).Length - 5, "the late joiner got the text so far at once");

        await Assertions.Expect(bea.GetByTestId("read-only")).ToBeVisibleAsync();
        await Assertions.Expect(bea.GetByTestId("composer")).ToHaveCountAsync(0);
        await Assertions.Expect(ada.GetByTestId("provenance-hash")).ToHaveTextAsync(thread.Provenance.PromptHash);
        await Assertions.Expect(LastReply(ada).GetByTestId("reply-stats")).ToContainTextAsync("150 tokens");
        await ada.ScreenshotAsync(new() { Path = Path.Combine(ShotDirectory, "live-complete.png"), FullPage = true });

        await ada.GetByRole(AriaRole.Link, new() { Name = "all chats" }).ClickAsync();
        var row = ada.GetByTestId("chats").GetByRole(AriaRole.Row).Filter(new() { Has = ada.Locator($"[data-chat='{chatId}']") });
        await Assertions.Expect(row).ToContainTextAsync("Ada");
        await ada.ScreenshotAsync(new() { Path = Path.Combine(ShotDirectory, "chat-list.png"), FullPage = true });
    }

    [Fact]
    public async Task Stop_ends_the_reply_for_every_viewer_with_the_text_so_far()
    {
        demo.Script = _ => ScriptedChatModel.Numbered(3000);
        demo.Pace = TimeSpan.FromMilliseconds(20);
        await ChatKit.CreateConstitutionAsync(server, "Ada", "stop-doc");
        // Room for the whole script (the default stops at 256 tokens): only Stop may end this reply.
        var sampling = new ConstitutionHub.Web.Features.Chats.SamplingForm { MaxNewTokens = 4096 }.ToRecord();
        var (chat, _, replyId) = await ChatKit.StartChatAsync(server, ChatKit.Person("Ada"), "stop-doc", demo.Info.Id, sampling: sampling);
        var ada = await ViewerAsync("Ada", $"/chats/{chat.Id}");
        var viewer = await ViewerAsync(null, $"/chats/{chat.Id}");
        var before = await ChatKit.WaitForTextAsync(server, chat.Id, replyId, 100);
        Assert.True(before.Status == MessageStatus.Streaming, $"the reply ended before Stop: {before.Status} {before.FinishReason} {before.Error}");
        await Assertions.Expect(viewer.GetByTestId("stop")).ToHaveCountAsync(0);
        await ada.GetByTestId("stop").ClickAsync();

        foreach (var page in new[] { ada, viewer })
            await Assertions.Expect(LastReply(page)).ToHaveAttributeAsync("data-status", "cancelled");
        var stored = await StoredAsync(server, chat.Id, replyId);
        Assert.Equal("cancelled", stored.FinishReason);
        Assert.True(stored.Text.Length is >= 100 and < 3000 * 5, $"{stored.Text.Length} characters kept");
        Assert.StartsWith(stored.Text, ScriptedChatModel.Text(ScriptedChatModel.Numbered(3000)), StringComparison.Ordinal);
        foreach (var page in new[] { ada, viewer })
            Assert.Equal(Words(stored.Text), Words(await LastReply(page).GetByTestId("reply-text").InnerTextAsync()));
        await Assertions.Expect(LastReply(ada).GetByTestId("reply-stats")).ToContainTextAsync("stopped");
        await Assertions.Expect(ada.GetByTestId("composer")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Regenerate_edit_and_another_recipe_make_branches_that_viewers_can_walk()
    {
        var counter = 0;
        demo.Pace = TimeSpan.FromMilliseconds(5);
        demo.Script = request => ["Answer ", $"{Interlocked.Increment(ref counter)} ", "to ", request.Messages[^1].Content];
        await ChatKit.CreateConstitutionAsync(server, "Ada", "branch-doc");
        var (chat, _, firstReply) = await ChatKit.StartChatAsync(server, ChatKit.Person("Ada"), "branch-doc", demo.Info.Id, "Question one");
        await ChatKit.WaitForReplyAsync(server, chat.Id, firstReply);
        var ada = await ViewerAsync("Ada", $"/chats/{chat.Id}");
        var viewer = await ViewerAsync(null, $"/chats/{chat.Id}");
        await Assertions.Expect(LastReply(ada).GetByTestId("reply-text")).ToHaveTextAsync("Answer 1 to Question one");

        await ada.GetByRole(AriaRole.Button, new() { Name = "Regenerate" }).ClickAsync();
        await Assertions.Expect(LastReply(ada).GetByTestId("reply-text")).ToHaveTextAsync("Answer 2 to Question one");
        await Assertions.Expect(LastReply(ada).GetByTestId("sibling-position")).ToHaveTextAsync("2 of 2");
        // A viewer following the newest branch sees the regenerated reply arrive.
        await Assertions.Expect(LastReply(viewer).GetByTestId("reply-text")).ToHaveTextAsync("Answer 2 to Question one");
        await LastReply(viewer).GetByRole(AriaRole.Button, new() { Name = "Previous version" }).ClickAsync();
        await Assertions.Expect(LastReply(viewer).GetByTestId("reply-text")).ToHaveTextAsync("Answer 1 to Question one");
        await Assertions.Expect(LastReply(viewer).GetByTestId("sibling-position")).ToHaveTextAsync("1 of 2");

        var user = ada.Locator("[data-testid=message][data-role=user]").First;
        await user.GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await ada.GetByLabel("Edit your message").FillAsync("Question one, rephrased");
        await ada.GetByRole(AriaRole.Button, new() { Name = "Send as a new branch" }).ClickAsync();
        await Assertions.Expect(LastReply(ada).GetByTestId("reply-text")).ToHaveTextAsync("Answer 3 to Question one, rephrased");
        await Assertions.Expect(user.GetByTestId("sibling-position")).ToHaveTextAsync("2 of 2");
        await user.GetByRole(AriaRole.Button, new() { Name = "Previous version" }).ClickAsync();
        await Assertions.Expect(user.GetByTestId("user-text")).ToHaveTextAsync("Question one");
        await Assertions.Expect(LastReply(ada).GetByTestId("reply-text")).ToContainTextAsync("to Question one");

        // The same question under another recipe: a sibling reply that records what it ran with.
        await user.GetByRole(AriaRole.Button, new() { Name = "Continue under another revision or recipe" }).ClickAsync();
        await ada.GetByTestId("continue-recipe").GetByLabel("Honesty").SelectOptionAsync("kind");
        await ada.GetByRole(AriaRole.Button, new() { Name = "Run a reply with these" }).ClickAsync();
        await Assertions.Expect(LastReply(ada).GetByTestId("reply-text")).ToHaveTextAsync("Answer 4 to Question one");
        await Assertions.Expect(LastReply(ada).GetByTestId("own-provenance")).ToContainTextAsync("Honesty: kind");
        var request = demo.Requests.Last();
        Assert.Contains("Tell the truth, kindly.", request.Messages[0].Content, StringComparison.Ordinal);
        await ada.ScreenshotAsync(new() { Path = Path.Combine(ShotDirectory, "branches.png"), FullPage = true });

        var thread = await server.Services.GetRequiredService<ChatQueries>().ThreadAsync(chat.Id);
        Assert.Equal(6, thread!.Messages.Count); // two user versions, four replies
        Assert.Equal(2, thread.Messages.Count(m => m.Role == ChatRole.User));
        Assert.Single(thread.Messages, m => m.Provenance is not null);
    }

    [Fact]
    public async Task A_failing_model_shows_the_error_to_every_viewer_and_loses_nothing()
    {
        demo.Script = _ => ScriptedChatModel.Numbered(50);
        demo.Pace = TimeSpan.FromMilliseconds(20);
        demo.Failure = (12, new InferenceException("model_error", "The weights file is damaged."));
        await ChatKit.CreateConstitutionAsync(server, "Ada", "fail-doc");
        var (chat, _, replyId) = await ChatKit.StartChatAsync(server, ChatKit.Person("Ada"), "fail-doc", demo.Info.Id, "Will this work?");
        var ada = await ViewerAsync("Ada", $"/chats/{chat.Id}");
        var viewer = await ViewerAsync(null, $"/chats/{chat.Id}");

        foreach (var page in new[] { ada, viewer })
        {
            await Assertions.Expect(LastReply(page)).ToHaveAttributeAsync("data-status", "failed");
            await Assertions.Expect(page.GetByTestId("reply-error")).ToContainTextAsync("The weights file is damaged.");
            await Assertions.Expect(page.GetByTestId("user-text")).ToHaveTextAsync("Will this work?");
            await Assertions.Expect(LastReply(page).GetByTestId("reply-text")).ToContainTextAsync("w012");
        }
        var stored = await StoredAsync(server, chat.Id, replyId);
        Assert.Equal(ScriptedChatModel.Text(ScriptedChatModel.Numbered(12)), stored.Text);
        await ada.ScreenshotAsync(new() { Path = Path.Combine(ShotDirectory, "failed.png"), FullPage = true });

        // Nothing is stuck: the owner regenerates once the model is healthy again.
        demo.Failure = null;
        await Assertions.Expect(ada.GetByTestId("composer")).ToHaveCountAsync(0);
        await ada.GetByRole(AriaRole.Button, new() { Name = "Regenerate" }).ClickAsync();
        await Assertions.Expect(LastReply(ada)).ToHaveAttributeAsync("data-status", "complete");
        await Assertions.Expect(LastReply(ada).GetByTestId("sibling-position")).ToHaveTextAsync("2 of 2");
    }
}
