using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Sharing;

/// <summary>Chats made the way the runner makes them (Core's ChatCommands), owned by the person a test signs in as.</summary>
public sealed class SharedChats(HubServer server)
{
    /// <summary>The local sign-in turns the display name "Ada" into this id.</summary>
    public static readonly Actor Ada = new("local:ada", "Ada");
    public const string Node = "test-node";

    public ChatCommands Commands => server.Services.GetRequiredService<ChatCommands>();
    public ChatQueries Queries => server.Services.GetRequiredService<ChatQueries>();
    public ShareLinks Links => server.Services.GetRequiredService<ShareLinks>();

    public async Task<ChatRow> StartAsync(string title = "Shared chat") =>
        await Commands.StartAsync(Ada, new StartChat("baseline", 1, new Dictionary<string, string>(),
            new ModelRecord("tiny-llama", new string('a', 64), "CPUExecutionProvider"),
            new SamplingRecord(0.7, 40, 0.95, 0.05, 1.1, 256, 42, ["</s>"]), title), Guid.NewGuid());

    /// <summary>A user turn and a reply streamed in <paramref name="batches"/> and completed, as the runner does.</summary>
    public async Task<(Guid User, Guid Reply)> TurnAsync(Guid chatId, Guid? parent, string question, params string[] batches)
    {
        var (user, reply) = await StartTurnAsync(chatId, parent, question);
        foreach (var batch in batches) await AppendAsync(chatId, reply, batch);
        await CompleteAsync(chatId, reply);
        return (user, reply);
    }

    public async Task<(Guid User, Guid Reply)> StartTurnAsync(Guid chatId, Guid? parent, string question)
    {
        var user = await Commands.PostUserMessageAsync(Ada, chatId, parent, question, Guid.NewGuid());
        var reply = await Commands.StartReplyAsync(Ada, chatId, user, null, Node, Guid.NewGuid());
        return (user, reply);
    }

    private int tokens;

    public Task AppendAsync(Guid chatId, Guid reply, string batch) =>
        Commands.AppendTokensAsync(Actor.System, chatId, reply, batch, tokens += 2, Guid.NewGuid());

    public Task CompleteAsync(Guid chatId, Guid reply) =>
        Commands.CompleteReplyAsync(Actor.System, chatId, reply, "stop", 40, tokens, 90, 20, Guid.NewGuid());

    /// <summary>Creates a link through the HTTP endpoint, as the share form does (signed in, antiforgery token).</summary>
    public static async Task<string> CreateLinkAsync(HttpClient signedIn, Guid chatId, string mode, string expires = "never", bool hide = false)
    {
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await HubServer.AntiforgeryTokenAsync(signedIn),
            ["chatId"] = chatId.ToString(), ["mode"] = mode, ["expires"] = expires,
        };
        if (hide) form["hideSystemPrompt"] = "on";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/shares/create") { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await signedIn.SendAsync(request);
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
            throw new InvalidOperationException($"Creating a link failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }
}
