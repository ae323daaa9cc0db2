using System.Net;
using System.Text.Json;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Inference;
using ConstitutionHub.Testing;
using ConstitutionHub.Web.Features.Chats;
using ConstitutionHub.Web.Infrastructure.Nodes;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Chats;

/// <summary>Chat pages, exports and the runner over real HTTP against the real app and database.</summary>
public sealed class ChatHttpTests : IAsyncLifetime
{
    private readonly ScriptedChatModel demo = new("scripted-demo") { Pace = TimeSpan.FromMilliseconds(2) };
    private readonly ScriptedChatModel slow = new("scripted-slow", isDemo: false) { Pace = TimeSpan.FromMilliseconds(40) };
    private HubServer server = null!;

    public async Task InitializeAsync() =>
        server = await HubServer.StartAsync(nameof(ChatHttpTests), configure: new ScriptedModelCatalog(demo, slow).Register);

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Exports_of_a_public_chat_are_readable_by_anyone_and_match_the_stored_transcript()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "export-doc");
        var (chat, _, replyId) = await ChatKit.StartChatAsync(server, ChatKit.Person("Ada"), "export-doc", demo.Info.Id, "Say the words.");
        var reply = await ChatKit.WaitForReplyAsync(server, chat.Id, replyId);
        Assert.Equal(MessageStatus.Complete, reply.Status);
        Assert.Equal(ScriptedChatModel.Text(ScriptedChatModel.Numbered(80)), reply.Text);

        var anonymous = server.Client();
        var md = await anonymous.GetAsync($"/chats/{chat.Id}/export.md");
        Assert.Equal(HttpStatusCode.OK, md.StatusCode);
        Assert.Equal("text/markdown", md.Content.Headers.ContentType?.MediaType);
        var markdown = await md.Content.ReadAsStringAsync();
        Assert.Contains("Say the words.", markdown, StringComparison.Ordinal);
        Assert.Contains(reply.Text.TrimEnd(), markdown, StringComparison.Ordinal);

        var json = await anonymous.GetAsync($"/chats/{chat.Id}/export.json");
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        var thread = await server.Services.GetRequiredService<ChatQueries>().ThreadAsync(chat.Id);
        Assert.Equal(ChatExport.Json(thread!), await json.Content.ReadAsStringAsync());
        using var parsed = JsonDocument.Parse(await json.Content.ReadAsStringAsync());
        Assert.Equal(ChatExport.JsonFormat, parsed.RootElement.GetProperty("format").GetString());

        var jsonl = await anonymous.GetAsync($"/chats/{chat.Id}/export.jsonl");
        Assert.Equal("application/x-ndjson", jsonl.Content.Headers.ContentType?.MediaType);
        var lines = (await jsonl.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("Say the words.", lines[0], StringComparison.Ordinal);

        var page = await anonymous.GetStringAsync($"/chats/{chat.Id}");
        Assert.Contains("w080", page, StringComparison.Ordinal);
        Assert.Contains(thread!.Provenance.PromptHash, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chat_on_a_private_constitution_is_hidden_from_others_and_open_to_its_owner()
    {
        await ChatKit.CreateConstitutionAsync(server, "Pia", "private-doc", visibility: "private");
        var (chat, _, replyId) = await ChatKit.StartChatAsync(server, ChatKit.Person("Pia"), "private-doc", demo.Info.Id);
        await ChatKit.WaitForReplyAsync(server, chat.Id, replyId);

        var anonymous = server.Client();
        var other = await server.SignedInClientAsync("Oscar");
        var owner = await server.SignedInClientAsync("Pia");
        foreach (var path in new[] { $"/chats/{chat.Id}", $"/chats/{chat.Id}/export.md", $"/chats/{chat.Id}/export.json",
                     $"/chats/{chat.Id}/export.jsonl", "/c/private-doc/chats", "/c/private-doc/chats/new" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(path)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync(path)).StatusCode);
        }
        var ownPage = await owner.GetStringAsync($"/chats/{chat.Id}");
        Assert.DoesNotContain("not-found", ownPage, StringComparison.Ordinal);
        Assert.Contains("w001", ownPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_owner_writes_and_the_server_refuses_everyone_else()
    {
        await ChatKit.CreateConstitutionAsync(server, "Olga", "owner-doc");
        var olga = ChatKit.Person("Olga");
        var (chat, messageId, replyId) = await ChatKit.StartChatAsync(server, olga, "owner-doc", demo.Info.Id);
        await ChatKit.WaitForReplyAsync(server, chat.Id, replyId);
        var commands = server.Services.GetRequiredService<ChatCommands>();
        var runner = server.Services.GetRequiredService<ChatRunner>();
        var mallory = ChatKit.Person("Mallory");
        await Assert.ThrowsAsync<ForbiddenException>(() => commands.PostUserMessageAsync(mallory, chat.Id, replyId, "hijack", Guid.NewGuid()));
        await Assert.ThrowsAsync<ForbiddenException>(() => runner.StartReplyAsync(mallory, chat.Id, messageId, null, Guid.NewGuid()));
        await Assert.ThrowsAsync<ForbiddenException>(() => runner.StopAsync(mallory, chat.Id, replyId));

        // A reader sees the chat without the owner's controls.
        var page = await (await server.SignedInClientAsync("Mallory")).GetStringAsync($"/chats/{chat.Id}");
        Assert.Contains("data-testid=\"read-only\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"composer\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_chats_and_malformed_ids_answer_404()
    {
        var client = server.Client();
        foreach (var path in new[] { $"/chats/{Guid.NewGuid()}", $"/chats/{Guid.NewGuid()}/export.md", $"/chats/{Guid.NewGuid()}/export.json",
                     $"/chats/{Guid.NewGuid()}/export.jsonl", "/chats/not-a-guid/export.md", "/c/no-such-doc/chats", "/c/no-such-doc/chats/new" })
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(path)).StatusCode);
    }

    [Fact]
    public async Task The_chat_list_filters_by_revision_model_and_author_and_pages()
    {
        await ChatKit.CreateConstitutionAsync(server, "Lena", "list-doc");
        var lena = ChatKit.Person("Lena");
        var commands = server.Services.GetRequiredService<ChatCommands>();
        var runner = server.Services.GetRequiredService<ChatRunner>();
        var sampling = new SamplingForm().ToRecord();
        for (var i = 0; i < 23; i++)
            await commands.StartAsync(lena, new StartChat("list-doc", 1, new Dictionary<string, string>(),
                ModelRecords.From(runner.Catalog.Models[i % 2]), sampling, $"chat {i:00}"), Guid.NewGuid());
        await ChatKit.CreateConstitutionAsync(server, "Lena", "list-other");
        await commands.StartAsync(ChatKit.Person("Max"), new StartChat("list-doc", 1, new Dictionary<string, string>(),
            ModelRecords.From(demo.Info), sampling, "max's chat"), Guid.NewGuid());

        var client = server.Client();
        var all = await client.GetStringAsync("/c/list-doc/chats");
        Assert.Contains("Page 1 of 2 · 24 chats", all, StringComparison.Ordinal);
        Assert.Contains("max&#x27;s chat", all, StringComparison.Ordinal);
        var second = await client.GetStringAsync("/c/list-doc/chats?page=2");
        Assert.Contains("Page 2 of 2 · 24 chats", second, StringComparison.Ordinal);
        Assert.Contains("chat 00", second, StringComparison.Ordinal);

        var slowOnly = await client.GetStringAsync($"/c/list-doc/chats?model={slow.Info.Id}");
        Assert.Contains("11 chats", slowOnly, StringComparison.Ordinal);
        var maxOnly = await client.GetStringAsync("/c/list-doc/chats?author=local:max");
        Assert.Contains("Page 1 of 1 · 1 chat<", maxOnly, StringComparison.Ordinal);
        var otherRevision = await client.GetStringAsync("/c/list-doc/chats?rev=2");
        Assert.Contains("data-testid=\"no-chats\"", otherRevision, StringComparison.Ordinal);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        Assert.Contains("24 chats", await client.GetStringAsync($"/c/list-doc/chats?from={today}&to={today}"), StringComparison.Ordinal);
        Assert.Contains("no-chats", await client.GetStringAsync("/c/list-doc/chats?to=2000-01-01"), StringComparison.Ordinal);
        Assert.Contains("filter-error", await client.GetStringAsync("/c/list-doc/chats?from=yesterday"), StringComparison.Ordinal);
        Assert.Contains("data-testid=\"no-chats\"", await client.GetStringAsync("/c/list-other/chats"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_per_person_limit_from_the_scheduler_fails_the_reply_with_a_message_and_keeps_the_question()
    {
        var limited = new ScriptedChatModel("scripted-limited")
        {
            Failure = (0, new InferenceException("user_limit", "at most 2 at once")),
        };
        await using var own = await HubServer.StartAsync(nameof(A_per_person_limit_from_the_scheduler_fails_the_reply_with_a_message_and_keeps_the_question),
            configure: new ScriptedModelCatalog(limited).Register);
        await ChatKit.CreateConstitutionAsync(own, "Uma", "limit-doc");
        var (chat, messageId, replyId) = await ChatKit.StartChatAsync(own, ChatKit.Person("Uma"), "limit-doc", limited.Info.Id, "Still here?");
        var reply = await ChatKit.WaitForReplyAsync(own, chat.Id, replyId);
        Assert.Equal(MessageStatus.Failed, reply.Status);
        Assert.Contains("as many replies running as this server allows per person", reply.Error, StringComparison.Ordinal);
        Assert.Contains("at most 2 at once", reply.Error, StringComparison.Ordinal);
        var question = await own.Services.GetRequiredService<ChatQueries>().MessageAsync(chat.Id, messageId);
        Assert.Equal("Still here?", question!.Text);
    }

    [Fact]
    public async Task The_model_receives_the_compiled_system_prompt_then_the_branch()
    {
        await ChatKit.CreateConstitutionAsync(server, "Rhea", "request-doc");
        var rhea = ChatKit.Person("Rhea");
        var honesty = await ChatKit.SectionIdAsync(server, "request-doc", "Honesty");
        var (chat, _, replyId) = await ChatKit.StartChatAsync(server, rhea, "request-doc", demo.Info.Id, "First?",
            recipe: new Dictionary<string, string> { [honesty] = "kind" });
        await ChatKit.WaitForReplyAsync(server, chat.Id, replyId);
        var commands = server.Services.GetRequiredService<ChatCommands>();
        var next = await commands.PostUserMessageAsync(rhea, chat.Id, replyId, "Second?", Guid.NewGuid());
        var before = demo.Requests.Count;
        var second = await server.Services.GetRequiredService<ChatRunner>().StartReplyAsync(rhea, chat.Id, next, null, Guid.NewGuid());
        await ChatKit.WaitForReplyAsync(server, chat.Id, second);
        var request = demo.Requests.Skip(before).Single(r => r.Messages.Any(m => m.Content == "Second?"));
        var thread = await server.Services.GetRequiredService<ChatQueries>().ThreadAsync(chat.Id);
        Assert.Equal(["system", "user", "assistant", "user"], request.Messages.Select(m => m.Role));
        Assert.Equal(thread!.Provenance.SystemPrompt, request.Messages[0].Content);
        Assert.Contains("Tell the truth, kindly.", request.Messages[0].Content, StringComparison.Ordinal);
        Assert.Equal("First?", request.Messages[1].Content);
        Assert.Equal(ScriptedChatModel.Text(ScriptedChatModel.Numbered(80)), request.Messages[2].Content);
        Assert.Equal(rhea.Id, request.UserId);
        // No seed chosen: the reply is sampled with one derived from its id, which the transcript records.
        Assert.Equal(ReplySeed.FromReplyId(second), request.Sampling.Seed);
        var exported = await server.Client().GetStringAsync($"/chats/{chat.Id}/export.json");
        Assert.Contains($"\"seed\": {ReplySeed.FromReplyId(second)}", exported, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_in_flight_at_shutdown_is_interrupted_at_the_next_start_with_its_text_so_far()
    {
        var config = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Hub"] = await TestPostgres.CreateDatabaseAsync("chat_restart"),
            ["Logging:LogLevel:Default"] = "Warning",
            ["Hub:NodeName"] = "restart-node",
        };
        var model = new ScriptedChatModel("scripted-restart") { Pace = TimeSpan.FromMilliseconds(30), Script = _ => ScriptedChatModel.Numbered(2000) };
        var first = await HubServer.StartWithAsync(config, configure: new ScriptedModelCatalog(model).Register);
        await ChatKit.CreateConstitutionAsync(first, "Rita", "restart-doc");
        var (chat, _, replyId) = await ChatKit.StartChatAsync(first, ChatKit.Person("Rita"), "restart-doc", model.Info.Id);
        await ChatKit.WaitForTextAsync(first, chat.Id, replyId, 40);
        await first.DisposeAsync();

        await using var second = await HubServer.StartWithAsync(config, configure: new ScriptedModelCatalog(model).Register);
        var reply = await second.Services.GetRequiredService<ChatQueries>().MessageAsync(chat.Id, replyId);
        Assert.Equal(MessageStatus.Interrupted, reply!.Status);
        Assert.Equal(ChatRecovery.RestartReason, reply.Error);
        Assert.True(reply.Text.Length >= 40, $"the partial text is kept ({reply.Text.Length} characters)");
        Assert.StartsWith(reply.Text, ScriptedChatModel.Text(ScriptedChatModel.Numbered(2000)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_person_finds_their_chats_and_every_revision_offers_a_test_in_chat()
    {
        await ChatKit.CreateConstitutionAsync(server, "Nia", "mine-doc");
        var (chat, _, replyId) = await ChatKit.StartChatAsync(server, ChatKit.Person("Nia"), "mine-doc", demo.Info.Id);
        await ChatKit.WaitForReplyAsync(server, chat.Id, replyId);
        var nia = await server.SignedInClientAsync("Nia");
        Assert.Contains($"/chats/{chat.Id}", await nia.GetStringAsync("/chats"), StringComparison.Ordinal);
        var someoneElse = await (await server.SignedInClientAsync("Ned")).GetStringAsync("/chats");
        Assert.DoesNotContain($"/chats/{chat.Id}", someoneElse, StringComparison.Ordinal);
        Assert.Contains("sign-in-for-chats", await server.Client().GetStringAsync("/chats"), StringComparison.Ordinal);

        Assert.Contains("/c/mine-doc/chats/new?rev=1", await nia.GetStringAsync("/c/mine-doc"), StringComparison.Ordinal);
        Assert.Contains("/c/mine-doc/chats/new?rev=1", await nia.GetStringAsync("/c/mine-doc/history"), StringComparison.Ordinal);
        // The constitution's tabs include its chat list.
        var tabs = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(await nia.GetStringAsync("/c/mine-doc")).QuerySelectorAll("[role=tab]");
        Assert.Contains(tabs, t => t.TextContent.Trim() == "Chats");
    }

    [Fact]
    public void The_node_name_is_stable_for_one_data_directory_and_configurable()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"hub-node-{Guid.NewGuid():N}");
        try
        {
            var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hub:DataDirectory"] = directory }).Build();
            var first = NodeIdentity.Resolve(config).Name;
            Assert.Equal(first, NodeIdentity.Resolve(config).Name);
            Assert.StartsWith(Environment.MachineName + "-", first, StringComparison.Ordinal);
            var elsewhere = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hub:DataDirectory"] = directory + "-b" }).Build();
            Assert.NotEqual(first, NodeIdentity.Resolve(elsewhere).Name);
            var named = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hub:NodeName"] = " web-2 " }).Build();
            Assert.Equal("web-2", NodeIdentity.Resolve(named).Name);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, true);
            if (Directory.Exists(directory + "-b")) Directory.Delete(directory + "-b", true);
        }
    }
}
