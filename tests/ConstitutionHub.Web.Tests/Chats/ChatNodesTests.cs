using System.Text.RegularExpressions;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Testing;
using ConstitutionHub.Web.Features.Chats;
using ConstitutionHub.Web.Infrastructure.Nodes;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;
using Npgsql;

namespace ConstitutionHub.Web.Tests.Chats;

/// <summary>
/// Two web nodes on one database, as a deployment behind a load balancer runs them: a person's page may live on
/// either, and stop, "Watching now" and queue positions must not depend on which. Both nodes are the real app on
/// Kestrel with the same scripted model catalog; pages are a real Chromium.
/// </summary>
public sealed class ChatNodesTests : IAsyncLifetime
{
    private readonly ScriptedChatModel modelA = new("scripted-demo");
    private readonly ScriptedChatModel modelB = new("scripted-demo");
    private TwoNodes nodes = null!;
    private HubServer nodeA => nodes.A;
    private HubServer nodeB => nodes.B;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(20_000);
        nodes = await TwoNodes.StartAsync(nameof(ChatNodesTests), new ScriptedModelCatalog(modelA).Register, new ScriptedModelCatalog(modelB).Register);
    }

    public async Task DisposeAsync() => await nodes.DisposeAsync();

    private static async Task<IPage> ViewerAsync(HubServer node, string? name, string path)
    {
        var page = await Chromium.NewPageAsync(node.Address);
        page.Context.SetDefaultTimeout(30_000);
        if (name is not null) await Chromium.SignInAsync(page, name);
        await page.GotoAsync(path);
        await Assertions.Expect(page.GetByTestId("chat")).ToHaveAttributeAsync("data-live", "true");
        return page;
    }

    private static ILocator LastReply(IPage page) => page.Locator("[data-testid=message][data-role=assistant]").Last;

    private static string Words(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public async Task A_reply_running_on_one_node_is_stopped_by_its_owner_from_a_page_on_the_other()
    {
        modelA.Script = _ => ScriptedChatModel.Numbered(3000);
        modelA.Pace = TimeSpan.FromMilliseconds(20);
        await ChatKit.CreateConstitutionAsync(nodeA, "Ada", "nodes-stop");
        var sampling = new SamplingForm { MaxNewTokens = 4096 }.ToRecord();
        var (chat, _, replyId) = await ChatKit.StartChatAsync(nodeA, ChatKit.Person("Ada"), "nodes-stop", modelA.Info.Id, sampling: sampling);
        Assert.True(nodeA.Services.GetRequiredService<ChatRunner>().IsRunningHere(replyId));

        var viewerOnA = await ViewerAsync(nodeA, null, $"/chats/{chat.Id}");
        var adaOnB = await ViewerAsync(nodeB, "Ada", $"/chats/{chat.Id}");
        var before = await ChatKit.WaitForTextAsync(nodeB, chat.Id, replyId, 100);
        Assert.True(before.Status == MessageStatus.Streaming, $"the reply ended before Stop: {before.Status} {before.FinishReason}");
        await adaOnB.GetByTestId("stop").ClickAsync();

        // 3000 tokens at 20 ms take a minute: only the stop can end it within the wait.
        foreach (var page in new[] { adaOnB, viewerOnA })
            await Assertions.Expect(LastReply(page)).ToHaveAttributeAsync("data-status", "cancelled");
        await Assertions.Expect(adaOnB.GetByTestId("chat-message")).ToHaveCountAsync(0);
        var stored = await ChatKit.WaitForReplyAsync(nodeB, chat.Id, replyId);
        Assert.Equal("cancelled", stored.FinishReason);
        Assert.Equal("node-a", stored.Node);
        Assert.StartsWith(stored.Text, ScriptedChatModel.Text(ScriptedChatModel.Numbered(3000)), StringComparison.Ordinal);
        Assert.True(stored.Text.Length >= 100, $"{stored.Text.Length} characters kept");
        foreach (var page in new[] { adaOnB, viewerOnA })
            Assert.Equal(Words(stored.Text), Words(await LastReply(page).GetByTestId("reply-text").InnerTextAsync()));
        await Assertions.Expect(LastReply(adaOnB).GetByTestId("reply-stats")).ToContainTextAsync("stopped");
    }

    [Fact]
    public async Task Only_the_owner_can_ask_another_node_to_stop_a_reply()
    {
        modelA.Script = _ => ScriptedChatModel.Numbered(3000);
        modelA.Pace = TimeSpan.FromMilliseconds(20);
        await ChatKit.CreateConstitutionAsync(nodeA, "Ada", "nodes-forbid");
        var sampling = new SamplingForm { MaxNewTokens = 4096 }.ToRecord();
        var (chat, _, replyId) = await ChatKit.StartChatAsync(nodeA, ChatKit.Person("Ada"), "nodes-forbid", modelA.Info.Id, sampling: sampling);
        var runnerB = nodeB.Services.GetRequiredService<ChatRunner>();

        await Assert.ThrowsAsync<Core.Documents.ForbiddenException>(() => runnerB.StopAsync(ChatKit.Person("Mallory"), chat.Id, replyId));
        await ChatKit.WaitForTextAsync(nodeA, chat.Id, replyId, 200);
        Assert.True(nodeA.Services.GetRequiredService<ChatRunner>().IsRunningHere(replyId), "a refused request must not reach the running node");

        Assert.Equal(StopOutcome.Requested, await runnerB.StopAsync(ChatKit.Person("Ada"), chat.Id, replyId));
        var stopped = await ChatKit.WaitForReplyAsync(nodeA, chat.Id, replyId, TimeSpan.FromSeconds(10));
        Assert.Equal("cancelled", stopped.FinishReason);
        Assert.Equal(StopOutcome.NotRunning, await runnerB.StopAsync(ChatKit.Person("Ada"), chat.Id, replyId));
    }

    [Fact]
    public async Task Viewers_on_both_nodes_watch_together_and_a_closed_page_leaves_the_other_node_within_seconds()
    {
        var chat = await AnsweredChatOnAAsync("nodes-watch");

        var adaOnA = await ViewerAsync(nodeA, "Ada", $"/chats/{chat.Id}");
        var beaOnB = await ViewerAsync(nodeB, "Bea", $"/chats/{chat.Id}");
        var anonymousOnB = await ViewerAsync(nodeB, null, $"/chats/{chat.Id}");
        // Ada also has a tab on B: a person counts once, whichever nodes their pages are on.
        var adaOnB = await ViewerAsync(nodeB, "Ada", $"/chats/{chat.Id}");

        var everyone = new Regex("^Watching now: Ada, Bea, 1 other$");
        foreach (var page in new[] { adaOnA, beaOnB, anonymousOnB, adaOnB })
            await Assertions.Expect(page.GetByTestId("watchers")).ToHaveTextAsync(everyone);

        // 10 s: room for a loaded machine, yet below NodeHeartbeat.ForgetAfter (15 s), so only the node's own
        // "nobody left" message can pass this, not the silence rule.
        await beaOnB.CloseAsync(new() { RunBeforeUnload = true });
        await Assertions.Expect(adaOnA.GetByTestId("watchers")).ToHaveTextAsync(new Regex("^Watching now: Ada, 1 other$"), new() { Timeout = 10_000 });
        await adaOnB.CloseAsync(new() { RunBeforeUnload = true });
        await anonymousOnB.CloseAsync(new() { RunBeforeUnload = true });
        await Assertions.Expect(adaOnA.GetByTestId("watchers")).ToHaveTextAsync(new Regex("^Watching now: Ada$"), new() { Timeout = 10_000 });
        // Node A counts what the page shows: node B's last word (nobody) holds, and B repeats only topics it still has
        // viewers on (NodesTests checks the heartbeat itself).
        var onA = nodeA.Services.GetRequiredService<NodePresence>().Of(ChatControl.PresenceTopic(chat.Id));
        Assert.Equal(["Ada"], onA.Names);
        Assert.Equal(0, onA.Others);
    }

    [Fact]
    public async Task A_node_that_falls_silent_loses_its_viewers_and_malformed_signals_are_ignored()
    {
        var chat = await AnsweredChatOnAAsync("nodes-silent");
        var adaOnA = await ViewerAsync(nodeA, "Ada", $"/chats/{chat.Id}");
        await Assertions.Expect(adaOnA.GetByTestId("watchers")).ToHaveTextAsync("Watching now: Ada");

        var topic = ChatControl.PresenceTopic(chat.Id);
        // A third node that announces one viewer and then dies without a word: no heartbeat, no goodbye.
        await NotifyAsync($$"""{"node":"node-c","topic":"{{topic}}","viewers":[{"id":"local:cy","name":"Cy"}],"anonymous":0}""");
        // What no node may send is dropped on receipt, and spoils nothing of what came before.
        await NotifyAsync("""{"node":"node-d"}""");
        await NotifyAsync($$"""{"node":"","topic":"{{topic}}","viewers":[],"anonymous":3}""");
        await NotifyAsync($$"""{"node":"node-e","topic":"{{topic}}","viewers":[],"anonymous":-4}""");
        await NotifyAsync($$"""{"node":"node-f","topic":"{{new string('x', 300)}}","viewers":[],"anonymous":1}""");
        await NotifyAsync("not json at all");
        await Assertions.Expect(adaOnA.GetByTestId("watchers")).ToHaveTextAsync("Watching now: Ada, Cy");

        var seen = DateTime.UtcNow;
        await Assertions.Expect(adaOnA.GetByTestId("watchers")).ToHaveTextAsync("Watching now: Ada", new() { Timeout = 25_000 });
        var gone = DateTime.UtcNow - seen;
        Assert.True(gone >= NodeHeartbeat.ForgetAfter - TimeSpan.FromSeconds(2), $"forgotten after {gone.TotalSeconds:F1} s, before the node could have missed heartbeats");
    }

    [Fact]
    public async Task A_queued_reply_shows_its_place_in_the_queue_on_a_page_served_by_the_other_node()
    {
        modelA.Script = _ => ScriptedChatModel.Numbered(4);
        // Long enough in the queue (about 12 s) for node B's page to open on a machine busy with other tests.
        modelA.Pace = TimeSpan.FromMilliseconds(400);
        modelA.QueuedBehind = 30;
        await ChatKit.CreateConstitutionAsync(nodeA, "Ada", "nodes-queue");
        var (chat, _, replyId) = await ChatKit.StartChatAsync(nodeA, ChatKit.Person("Ada"), "nodes-queue", modelA.Info.Id);
        var adaOnB = await ViewerAsync(nodeB, "Ada", $"/chats/{chat.Id}");

        var queue = LastReply(adaOnB).GetByTestId("queue");
        await Assertions.Expect(queue).ToHaveTextAsync(new Regex(@"Waiting for the model: ([2-9]|[12][0-9]|30) chats ahead of yours\."));
        // It counts down as node A's queue moves, then gives way to the text.
        await Assertions.Expect(queue).ToHaveTextAsync("Waiting for the model: 1 chat ahead of yours.");
        await Assertions.Expect(queue).ToHaveCountAsync(0);
        await Assertions.Expect(LastReply(adaOnB)).ToHaveAttributeAsync("data-status", "complete");
        Assert.Null(nodeB.Services.GetRequiredService<ChatRunner>().Progress(replyId));
    }

    private async Task NotifyAsync(string payload)
    {
        await using var connection = new NpgsqlConnection(nodes.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_notify(@channel, @payload)", connection);
        command.Parameters.AddWithValue("channel", NodePresence.Channel.Name);
        command.Parameters.AddWithValue("payload", payload);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A chat on node A whose first reply (three short words) has finished.</summary>
    private async Task<ChatRow> AnsweredChatOnAAsync(string slug)
    {
        modelA.Script = _ => ScriptedChatModel.Numbered(3);
        modelA.Pace = TimeSpan.FromMilliseconds(5);
        await ChatKit.CreateConstitutionAsync(nodeA, "Ada", slug);
        var (chat, _, replyId) = await ChatKit.StartChatAsync(nodeA, ChatKit.Person("Ada"), slug, modelA.Info.Id);
        await ChatKit.WaitForReplyAsync(nodeA, chat.Id, replyId);
        return chat;
    }
}
