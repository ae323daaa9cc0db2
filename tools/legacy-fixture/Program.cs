// Writes a database with the hand-written event store (commit 19240ba and before) that exercises every event
// type and every read-model table, then leaves the cluster running for pg_dump (see make-fixture.sh).
// Usage: dotnet run -- <root folder>   (prints the connection string, then waits for a line on stdin)
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Database;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.EventStore;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Sharing;
using Npgsql;

var root = args[0];
await using var pg = await EmbeddedPostgres.StartAsync(new EmbeddedPostgresOptions { RootDirectory = root, Database = "legacy", Fsync = false });
await using var dataSource = NpgsqlDataSource.Create(pg.ConnectionString);
await Migrator.ApplyAsync(dataSource);

var types = ChatStream.Register(ConstitutionStream.Register(new EventTypeRegistry()));
var store = new EventStore(dataSource, types, [new ConstitutionProjection(), new ChatProjection()]);
var queries = new ConstitutionQueries(dataSource);
var commands = new ConstitutionCommands(store, queries);
var chatQueries = new ChatQueries(dataSource);
var chats = new ChatCommands(store, chatQueries, queries);
var users = new Users(dataSource);

var ada = new Actor("local:ada", "Ada Lovelace");
var grace = new Actor("oidc:auth0|grace", "Grace Hopper");
await users.RememberAsync(ada, "local");
await users.RememberAsync(grace, "oidc");

const string Text = """
    # Helpful assistant

    ## Honesty

    The model says what it believes to be true.

    ## Agreeableness

    :::variant default
    The model is warm but says clearly when it disagrees.
    :::

    :::variant lower
    The model pushes back whenever it sees a better approach.
    :::

    ## Safety

    The model refuses to help with serious harm.
    """;

// Constitution: revisions, a clean merge of a stale save, a restore, labels moved, moved again and removed,
// details changed, a fork, and a private constitution.
var alpha = await commands.CreateAsync(ada, new CreateConstitution("alpha", "Alpha", "The first one", Visibility.Public, Text, "First draft"), Guid.NewGuid());
var r2 = Text.Replace("says what it believes", "says only what it believes", StringComparison.Ordinal);
await commands.SaveAsync(ada, "alpha", r2, "Sharper honesty", 1, Guid.NewGuid());
var r3 = r2.Replace("refuses to help", "declines to help", StringComparison.Ordinal);
await commands.SaveAsync(grace, "alpha", r3, "Softer safety", 2, Guid.NewGuid());
// Written on revision 2 while revision 3 exists: merges section by section.
var stale = r2.Replace("is warm but", "is kind and warm but", StringComparison.Ordinal);
var merged = await commands.SaveAsync(ada, "alpha", stale, "Kinder", 2, Guid.NewGuid());
if (!merged.Merged) throw new InvalidOperationException("expected a merge");
await commands.RestoreAsync(grace, "alpha", 2, Guid.NewGuid());
await commands.MoveLabelAsync(ada, "alpha", "published", 2, Guid.NewGuid());
await commands.MoveLabelAsync(ada, "alpha", "published", 3, Guid.NewGuid());
await commands.MoveLabelAsync(ada, "alpha", "draft", 4, Guid.NewGuid());
await commands.RemoveLabelAsync(grace, "alpha", "draft", Guid.NewGuid());
await commands.ChangeDetailsAsync(ada, "alpha", "Alpha, revised", "The first one, with a new summary", Visibility.Unlisted, Guid.NewGuid());
await commands.ForkAsync(grace, "alpha", 3, "alpha-fork", "Alpha fork", Guid.NewGuid());
await commands.SaveAsync(grace, "alpha-fork", r3 + "\n## Humour\n\nThe model may joke.\n", "Adds humour", 1, Guid.NewGuid());
await commands.CreateAsync(grace, new CreateConstitution("private-notes", "Private notes", "Mine", Visibility.Private, Text, ""), Guid.NewGuid());

// Chats: a thread with a completed reply, a regenerate that failed, an edited turn (a branch), a reply with its
// own provenance (another revision and recipe), and a reply interrupted by a restart.
var model = new ModelRecord("demo-qwen2", new string('a', 64), "cpu");
var sampling = new SamplingRecord(0.7, 40, 0.9, 0.05, 1.1, 128, 42, ["</s>"]);
var chat = await chats.StartAsync(ada, new StartChat("alpha", 4, new Dictionary<string, string>(), model, sampling, "Honesty check"), Guid.NewGuid());
var q1 = await chats.PostUserMessageAsync(ada, chat.Id, null, "Would you lie to make me feel better?", Guid.NewGuid());
var a1 = await chats.StartReplyAsync(ada, chat.Id, q1, null, "node-a", Guid.NewGuid());
await chats.AppendTokensAsync(Actor.System, chat.Id, a1, "No. I would tell you ", 6, Guid.NewGuid());
await chats.AppendTokensAsync(Actor.System, chat.Id, a1, "the truth, kindly.", 11, Guid.NewGuid());
await chats.CompleteReplyAsync(Actor.System, chat.Id, a1, "stop", 120, 11, 35.5, 42.25, Guid.NewGuid());
var a1b = await chats.StartReplyAsync(ada, chat.Id, q1, null, "node-a", Guid.NewGuid());
await chats.AppendTokensAsync(Actor.System, chat.Id, a1b, "Well", 1, Guid.NewGuid());
await chats.FailReplyAsync(Actor.System, chat.Id, a1b, "The model ran out of memory.", Guid.NewGuid());
var q2 = await chats.PostUserMessageAsync(ada, chat.Id, a1, "And with the lower agreeableness?", Guid.NewGuid());
var other = await chats.ProvenanceAsync(ada, "alpha", 2, new Dictionary<string, string>(), model, sampling with { Seed = 7 });
var sections = (await queries.RevisionAsync(alpha.Id, 2))!.Sections;
var agreeable = sections.First(s => s.Heading.Contains("Agreeableness", StringComparison.Ordinal)).Id;
other = await chats.ProvenanceAsync(ada, "alpha", 2, new Dictionary<string, string> { [agreeable] = "lower" }, model, sampling with { Seed = 7 });
var a2 = await chats.StartReplyAsync(ada, chat.Id, q2, other, "node-a", Guid.NewGuid());
await chats.AppendTokensAsync(Actor.System, chat.Id, a2, "Then I would push back.", 6, Guid.NewGuid());
await chats.CompleteReplyAsync(Actor.System, chat.Id, a2, "length", 130, 6, null, 30, Guid.NewGuid());
var q1edit = await chats.PostUserMessageAsync(ada, chat.Id, null, "Would you ever lie?", Guid.NewGuid());
var a3 = await chats.StartReplyAsync(ada, chat.Id, q1edit, null, "node-b", Guid.NewGuid());
await chats.AppendTokensAsync(Actor.System, chat.Id, a3, "I try not ", 3, Guid.NewGuid());
await new ChatRecovery(chatQueries, chats).MarkInterruptedAsync("node-b");
var second = await chats.StartAsync(grace, new StartChat("alpha-fork", 2, new Dictionary<string, string>(), model, sampling), Guid.NewGuid());
var g1 = await chats.PostUserMessageAsync(grace, second.Id, null, "Tell me a joke.", Guid.NewGuid());
var g1a = await chats.StartReplyAsync(grace, second.Id, g1, null, "node-a", Guid.NewGuid());
await chats.AppendTokensAsync(Actor.System, second.Id, g1a, "Why did the compiler ", 5, Guid.NewGuid());

// Share links: a snapshot, a live link, one without the system prompt, one expired and one revoked.
var links = new ShareLinks(dataSource, chatQueries);
await links.CreateAsync(ada, chat.Id, ShareMode.Snapshot, atMessageId: a1);
await links.CreateAsync(ada, chat.Id, ShareMode.Live, expires: DateTimeOffset.UtcNow.AddDays(30));
await links.CreateAsync(ada, chat.Id, ShareMode.Snapshot, hideSystemPrompt: true);
var past = new ShiftedClock(TimeSpan.FromDays(-2));
await new ShareLinks(dataSource, chatQueries, past).CreateAsync(ada, chat.Id, ShareMode.Live, expires: past.GetUtcNow().AddHours(1));
var revoked = await links.CreateAsync(grace, second.Id, ShareMode.Live);
await links.RevokeAsync(grace, revoked.Link.Id);

Console.WriteLine(pg.ConnectionString);
Console.WriteLine("ready");
Console.ReadLine();
await pg.StopAsync();

internal sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
