using System.Net.Http.Json;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Features.Chats;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Chats;

/// <summary>Shortcuts for chat tests: a constitution through the API, a chat and its replies through the app's own
/// services (the same calls the pages make).</summary>
public static class ChatKit
{
    public const string Markdown = "# Kit\n\n## Honesty\n\n:::variant plain\nTell the truth.\n:::\n\n:::variant kind\nTell the truth, kindly.\n:::\n\n## Curiosity\n\nAsk good questions.\n";

    public static Actor Person(string name) => new($"local:{name.ToLowerInvariant().Replace(' ', '-')}", name);

    public static async Task CreateConstitutionAsync(HubServer server, string owner, string slug, string visibility = "public", string markdown = Markdown)
    {
        var client = await server.SignedInClientAsync(owner);
        var created = await client.PostAsJsonAsync("/api/constitutions", new { slug, title = $"Constitution {slug}", markdown, visibility });
        if (!created.IsSuccessStatusCode)
            throw new InvalidOperationException($"Creating {slug} failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
    }

    public static async Task<string> SectionIdAsync(HubServer server, string slug, string heading, int revision = 1)
    {
        var queries = server.Services.GetRequiredService<ConstitutionHub.Core.Documents.ConstitutionQueries>();
        var row = await queries.BySlugAsync(slug) ?? throw new InvalidOperationException($"No constitution {slug}.");
        var stored = await queries.RevisionAsync(row.Id, revision) ?? throw new InvalidOperationException($"No revision {revision}.");
        return stored.Sections.Single(s => s.Heading == heading).Id;
    }

    /// <summary>Starts a chat with a first message and its reply, as the new-chat page does.</summary>
    public static async Task<(ChatRow Chat, Guid MessageId, Guid ReplyId)> StartChatAsync(HubServer server, Actor owner, string slug, string modelId,
        string text = "Hello?", int revision = 1, IReadOnlyDictionary<string, string>? recipe = null, SamplingRecord? sampling = null)
    {
        var commands = server.Services.GetRequiredService<ChatCommands>();
        var runner = server.Services.GetRequiredService<ChatRunner>();
        var info = runner.Catalog.Models.Single(m => m.Id == modelId);
        var chat = await commands.StartAsync(owner, new StartChat(slug, revision, recipe ?? new Dictionary<string, string>(),
            ModelRecords.From(info), sampling ?? new SamplingForm().ToRecord()), Guid.NewGuid());
        var messageId = await commands.PostUserMessageAsync(owner, chat.Id, null, text, Guid.NewGuid());
        var replyId = await runner.StartReplyAsync(owner, chat.Id, messageId, null, Guid.NewGuid());
        return (chat, messageId, replyId);
    }

    /// <summary>Waits until the reply is no longer streaming and returns it.</summary>
    public static async Task<ChatMessageRow> WaitForReplyAsync(HubServer server, Guid chatId, Guid replyId, TimeSpan? timeout = null)
    {
        var queries = server.Services.GetRequiredService<ChatQueries>();
        return await Eventually.GetAsync(async () => await queries.MessageAsync(chatId, replyId) ?? throw new InvalidOperationException("No such reply."),
            reply => reply.Status != MessageStatus.Streaming, $"reply {replyId} to end", timeout);
    }

    public static async Task<ChatMessageRow> WaitForTextAsync(HubServer server, Guid chatId, Guid replyId, int minLength)
    {
        var queries = server.Services.GetRequiredService<ChatQueries>();
        return await Eventually.GetAsync(async () => await queries.MessageAsync(chatId, replyId) ?? throw new InvalidOperationException("No such reply."),
            reply => reply.Text.Length >= minLength, $"reply {replyId} to reach {minLength} characters");
    }
}
