using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Core.People;
using ConstitutionHub.Testing;
using Npgsql;

namespace ConstitutionHub.Core.Tests.Chats;

/// <summary>A fresh migrated database with the constitution and chat streams wired as the app wires them,
/// and one constitution with variants to chat against.</summary>
public sealed class ChatTestHost : IAsyncDisposable
{
    public const string Markdown = """
        # Helper

        ## Honesty

        The model says what it believes is true.

        ## Agreeableness

        Shared text for every variant.

        :::variant default
        The model is warm but says clearly when it disagrees.
        :::

        :::variant lower
        The model is direct and does not soften disagreement.
        :::

        More shared text.
        """;

    public static readonly Actor Ada = new("local:ada", "Ada");
    public static readonly Actor Bea = new("local:bea", "Bea");
    public static readonly ModelRecord TinyModel = new("tiny-llama", new string('a', 64), "CPUExecutionProvider");
    public static readonly SamplingRecord Sampling = new(0.7, 40, 0.95, 0.05, 1.1, 256, 42, ["</s>", "User:"]);

    public required NpgsqlDataSource DataSource { get; init; }
    public required TestStore Test { get; init; }
    public EventStreams Store => Test.Streams;
    public required ConstitutionCommands Constitutions { get; init; }
    public required ConstitutionQueries ConstitutionQueries { get; init; }
    public required ChatCommands Commands { get; init; }
    public required ChatQueries Queries { get; init; }
    public required ConstitutionRow Constitution { get; init; }

    public static async Task<ChatTestHost> CreateAsync(string name)
    {
        var test = await TestStore.CreateAsync(name);
        var (dataSource, store) = (test.DataSource, test.Streams);
        var constitutionQueries = new ConstitutionQueries(dataSource);
        var constitutions = new ConstitutionCommands(store, constitutionQueries);
        var constitution = await constitutions.CreateAsync(Ada,
            new CreateConstitution("helper", "Helper", "", Visibility.Public, Markdown, "first"), Guid.NewGuid());
        var chatQueries = new ChatQueries(dataSource);
        return new ChatTestHost
        {
            DataSource = dataSource, Test = test, Constitutions = constitutions, ConstitutionQueries = constitutionQueries,
            Commands = new ChatCommands(store, chatQueries, constitutionQueries), Queries = chatQueries, Constitution = constitution,
        };
    }

    public async Task<string> SectionIdAsync(string heading, int revision = 1) =>
        (await ConstitutionQueries.RevisionAsync(Constitution.Id, revision))!.Sections.Single(s => s.Heading == heading).Id;

    public Task<ChatRow> StartAsync(Actor? actor = null, int revision = 1, IReadOnlyDictionary<string, string>? recipe = null,
        ModelRecord? model = null, string? title = null) =>
        Commands.StartAsync(actor ?? Ada, new StartChat("helper", revision, recipe ?? new Dictionary<string, string>(), model ?? TinyModel,
            Sampling, title), Guid.NewGuid());

    /// <summary>Posts a user turn and streams a whole reply to it in the given batches, as the runner does.</summary>
    public async Task<(Guid User, Guid Reply)> TurnAsync(Guid chatId, Guid? parent, string question, params string[] batches)
    {
        var user = await Commands.PostUserMessageAsync(Ada, chatId, parent, question, Guid.NewGuid());
        var reply = await Commands.StartReplyAsync(Ada, chatId, user, null, "node-a", Guid.NewGuid());
        var tokens = 0;
        foreach (var batch in batches)
            await Commands.AppendTokensAsync(Actor.System, chatId, reply, batch, tokens += 3, Guid.NewGuid());
        await Commands.CompleteReplyAsync(Actor.System, chatId, reply, "stop", 50, tokens, 120, 25.5, Guid.NewGuid());
        return (user, reply);
    }

    public async ValueTask DisposeAsync() => await Test.DisposeAsync();
}
