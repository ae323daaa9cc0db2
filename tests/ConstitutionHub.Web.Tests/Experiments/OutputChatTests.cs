using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Inference;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static ConstitutionHub.Web.Tests.Experiments.VotingExperiment;

namespace ConstitutionHub.Web.Tests.Experiments;

/// <summary>"Open as chat" over real HTTP on a real database: an output becomes a chat of the reader's own, with the
/// item's turns, the output as the reply and the run's provenance; bad requests are refused and change nothing. In
/// Chromium, the run page shows two arms' outputs as an inert word diff and opens one as a chat.</summary>
public sealed class OutputChatTests : IAsyncLifetime
{
    private const long Seed = 4_242;
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(OutputChatTests), settings: Settings);
    public async Task DisposeAsync() => await server.DisposeAsync();

    /// <summary>Two arms (revision 1 as is, and with Tone "lower") over one two-turn item, outputs recorded as the
    /// worker records them, on the demo model with each arm's real prompt hash (or <paramref name="promptHash"/>).</summary>
    private async Task<(Guid Id, Guid Constitution)> CreateAsync(HttpClient owner, string slug, string? promptHash = null)
    {
        (await owner.PostAsync("/api/constitutions", Json(new { slug, title = "Chats", visibility = "public", markdown = FactorialMarkdown })))
            .EnsureSuccessStatusCode();
        var tone = await SectionIdAsync(owner, slug, "Tone");
        var jsonl = """
            {"id":"q1","messages":[{"role":"user","content":"Hi there"},{"role":"assistant","content":"Hello!"},{"role":"user","content":"Is the sky green?"}]}

            """;
        var set = await (await owner.PostAsync("/api/prompt-sets/import?name=Chats&format=jsonl", new StringContent(jsonl, Encoding.UTF8, "application/jsonl")))
            .EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        var created = await owner.PostAsync("/api/experiments", Json(new
        {
            name = "Tone check", promptSetId = set.GetProperty("id").GetGuid(), samples = 1,
            arms = new object[]
            {
                new { slug, revision = 1, label = "default" },
                new { slug, revision = 1, label = "lower", recipe = new Dictionary<string, string> { [tone] = "lower" }, sampling = new { temperature = 0.2, maxTokens = 64 } },
            },
        }));
        var id = (await created.EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var model = server.Services.GetRequiredService<IModelCatalog>().DefaultModelId!;
        var experiment = (await server.Services.GetRequiredService<ExperimentQueries>().ExperimentAsync(id))!;
        var constitutions = server.Services.GetRequiredService<ConstitutionQueries>();
        foreach (var arm in experiment.Definition.Arms)
        {
            var revision = (await constitutions.RevisionAsync(arm.ConstitutionId, arm.Revision))!;
            var hash = PromptCompiler.Compile(revision.Markdown, revision.Sections, arm.Recipe).Hash;
            await server.Services.GetRequiredService<EventStreams>().AppendAsync(ExperimentStream.GenerationId(id, arm.Letter, "q1", 0), ExpectedVersion.NoStream,
                [new NewEvent(Guid.NewGuid(), new GenerationRecorded(id, arm.Letter, "q1", 0, Seed, $"No, it is <b>blue</b> (arm {arm.Letter}).", model,
                    promptHash ?? hash, "length", 7, 1, "n", 1))],
                new EventMetadata("system:test", "test", DateTimeOffset.UtcNow, Guid.NewGuid()));
        }
        return (id, experiment.Definition.Arms[0].ConstitutionId);
    }

    [Fact]
    public async Task An_output_opens_as_a_chat_with_the_items_turns_the_output_as_reply_and_the_runs_provenance()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var (id, _) = await CreateAsync(ada, "open-chat");
        var model = server.Services.GetRequiredService<IModelCatalog>().DefaultModelId!;
        var bea = await server.SignedInClientAsync("Bea");
        var commandId = Guid.NewGuid();

        var response = await bea.PostAsync($"/api/experiments/{id}/outputs/B/0/q1/chat?commandId={commandId}", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        var chatId = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
        Assert.Equal($"/chats/{chatId}", response.Headers.Location?.OriginalString);

        var thread = (await server.Services.GetRequiredService<ChatQueries>().ThreadAsync(chatId))!;
        Assert.Equal("Tone check · arm B · q1", thread.Chat.Title);
        Assert.Equal(
            [(ChatRole.User, "Hi there"), (ChatRole.Assistant, "Hello!"), (ChatRole.User, "Is the sky green?"), (ChatRole.Assistant, "No, it is <b>blue</b> (arm B).")],
            thread.Branch.Select(m => (m.Role, m.Text)).ToList());
        Assert.All(thread.Branch, m => Assert.Equal(MessageStatus.Complete, m.Status));
        var reply = thread.Branch[^1];
        Assert.Equal(("length", 7), (reply.FinishReason, reply.CompletionTokens));
        Assert.Equal($"experiment/{id:N}/B/q1/0", reply.Node);

        // The arm's revision and recipe, the model that wrote it, the arm's sampling and the output's seed.
        var provenance = thread.Provenance;
        Assert.Equal(("open-chat", 1, model), (provenance.Slug, provenance.Revision, provenance.Model.Id));
        Assert.Equal("lower", Assert.Single(provenance.Recipe).Value);
        Assert.Contains("Direct, without softening.", provenance.SystemPrompt);
        Assert.Equal((Seed, 0.2, 64), (provenance.Sampling.Seed, provenance.Sampling.Temperature, provenance.Sampling.MaxNewTokens));
        Assert.Equal("Bea", thread.Chat.OwnerName);

        // The same command again is the same chat; and the chat is Bea's to continue.
        var again = await bea.PostAsync($"/api/experiments/{id}/outputs/B/0/q1/chat?commandId={commandId}", null);
        Assert.Equal(chatId, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        var bee = new Actor(thread.Chat.OwnerId, "Bea");
        await server.Services.GetRequiredService<ChatCommands>().PostUserMessageAsync(bee, chatId, reply.Id, "Are you sure?", Guid.NewGuid());
        Assert.Equal(5, (await server.Services.GetRequiredService<ChatQueries>().ThreadAsync(chatId))!.Branch.Count);
    }

    [Fact]
    public async Task Opening_an_output_that_is_missing_unknown_or_no_longer_compiles_is_refused_with_a_reason()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var (id, constitution) = await CreateAsync(ada, "open-bad");

        async Task Refused(HttpClient client, string path, HttpStatusCode status, string reason)
        {
            var response = await client.PostAsync($"/api/experiments/{id}/outputs/{path}/chat", null);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{path}: {(int)response.StatusCode} {body}");
            Assert.Contains(reason, body);
        }
        await Refused(ada, "C/0/q1", HttpStatusCode.BadRequest, "no arm 'C'");
        await Refused(ada, "A/3/q1", HttpStatusCode.BadRequest, "has no output");
        await Refused(ada, "A/0/q9", HttpStatusCode.BadRequest, "has no output");
        await Refused(new HttpClient { BaseAddress = ada.BaseAddress }, "A/0/q1", HttpStatusCode.Unauthorized, "Sign in");

        // An output recorded with another prompt than its arm compiles to is not passed off as that arm's.
        var stale = await CreateAsync(ada, "open-stale", promptHash: "sha256:" + new string('0', 64));
        var response = await ada.PostAsync($"/api/experiments/{stale.Id}/outputs/A/0/q1/chat", null);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no longer compile", await response.Content.ReadAsStringAsync());

        var chats = server.Services.GetRequiredService<ChatQueries>();
        foreach (var c in new[] { constitution, stale.Constitution }) Assert.Equal(0, (await chats.ListAsync(c)).Total);
    }

    [Fact]
    public async Task The_run_page_shows_an_inert_word_diff_of_two_outputs_and_opens_one_as_a_chat()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var (id, _) = await CreateAsync(ada, "open-page");
        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(page, "Bea", $"/experiments/{id}");
        await Chromium.WaitForLiveAsync(page);

        var sideBySide = page.GetByTestId("side-by-side");
        await sideBySide.GetByRole(AriaRole.Button, new() { Name = "Word diff" }).ClickAsync(new() { Timeout = 60_000 });
        var diff = page.GetByTestId("output-diff-text");
        await Expect(diff.Locator("del")).ToHaveTextAsync("A", new() { Timeout = 60_000 });
        await Expect(diff.Locator("ins")).ToHaveTextAsync("B");
        // The outputs' markup is text in the diff, never elements.
        await Expect(diff).ToContainTextAsync("<b>blue</b>");
        await Expect(diff.Locator("b")).ToHaveCountAsync(0);

        await sideBySide.GetByRole(AriaRole.Button, new() { Name = "Open B on q1 as chat" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/chats/[0-9a-f-]{36}$"), new() { Timeout = 60_000 });
        await Expect(page.GetByText("Is the sky green?")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Expect(page.GetByText("(arm B)", new() { Exact = false }).First).ToBeVisibleAsync();
    }
}
