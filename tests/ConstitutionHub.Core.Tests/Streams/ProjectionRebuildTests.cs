using System.Text;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Core.Tests.Chats;

namespace ConstitutionHub.Core.Tests.Streams;

/// <summary>Every projection rebuilt from the events gives the read model the inline path and the daemon built.</summary>
public sealed class ProjectionRebuildTests : IAsyncLifetime
{
    private static readonly (string Table, string Order)[] ReadModels =
    [
        ("constitutions", "id"), ("revisions", "constitution_id, number"), ("labels", "constitution_id, name"), ("chats", "id"),
        ("chat_messages", "chat_id, message_id"), ("share_links", "id"), ("search_index", "constitution_id"), ("activity", "seq"),
        ("constitution_stats", "constitution_id"), ("constitution_members", "constitution_id, person_id"),
        ("constitution_invitations", "constitution_id, person_id"), ("join_requests", "constitution_id, person_id"),
    ];

    private ChatTestHost host = null!;

    public async Task InitializeAsync() => host = await ChatTestHost.CreateAsync(nameof(ProjectionRebuildTests));

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Rebuilding_every_projection_gives_the_same_read_models_as_the_inline_path_and_the_daemon()
    {
        var ada = ChatTestHost.Ada;
        await host.Constitutions.SaveAsync(ada, "helper", ChatTestHost.Markdown + "\nMore.\n", "more", 1, Guid.NewGuid());
        await host.Constitutions.MoveLabelAsync(ada, "helper", "published", 2, Guid.NewGuid());
        await host.Constitutions.ChangeDetailsAsync(ada, "helper", "Helper, renamed", "Now with a summary", Core.Documents.Visibility.Public, Guid.NewGuid());
        var people = new Core.People.PeopleDirectory(host.DataSource);
        foreach (var name in new[] { "Bea", "Dee" }) await people.SignedInAsync(new Core.People.SignInClaims("local", name.ToLowerInvariant(), name));
        var members = new Core.Documents.MembershipCommands(host.Store, host.ConstitutionQueries, people);
        await members.RestrictEditsAsync(ada, "helper", restricted: true);
        await members.InviteAsync(ada, "helper", "bea", Core.Documents.DocumentRole.Editor);
        await members.AcceptAsync(new Core.People.Actor("local:bea", "Bea"), "helper");
        await members.InviteAsync(ada, "helper", "dee", Core.Documents.DocumentRole.Viewer);
        await members.RequestJoinAsync(new Core.People.Actor("local:cy", "Cy"), "helper", Core.Documents.DocumentRole.Editor);
        var chat = await host.StartAsync();
        var (_, reply) = await host.TurnAsync(chat.Id, null, "Hello?", "Hi ", "there.");
        await host.TurnAsync(chat.Id, reply, "And then?", "Then ", "this.");
        var links = new ShareLinks(host.Store, host.DataSource, host.Queries);
        var shared = await links.CreateAsync(ada, chat.Id, ShareMode.Live);
        await links.RevokeAsync(ada, shared.Link.Id);
        await host.Test.CatchUpAsync();
        var built = await SnapshotAsync();

        using var daemon = await host.Test.Store.BuildProjectionDaemonAsync();
        foreach (var projection in HubMarten.AllProjections)
            await daemon.RebuildProjectionAsync(projection, TimeSpan.FromMinutes(2), CancellationToken.None);

        var rebuilt = await SnapshotAsync();
        foreach (var (table, _) in ReadModels)
        {
            Assert.NotEmpty(built[table]);
            Assert.True(built[table].SequenceEqual(rebuilt[table]),
                $"{table} differs after the rebuild:\n{string.Join('\n', built[table].Except(rebuilt[table]))}\nnow:\n{string.Join('\n', rebuilt[table].Except(built[table]))}");
        }
    }

    [Fact]
    public async Task Rebuilding_the_chat_tree_over_long_interleaved_replies_gives_what_the_inline_path_built_event_by_event()
    {
        // Two chats streaming at once, their batches in turn, one batch per commit as the runner appends them; the
        // second chat's reply fails half-way and is regenerated. A rebuild reads them as pages of both chats' batches.
        var first = await host.StartAsync();
        var second = await host.StartAsync(title: "Second");
        var askA = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, first.Id, null, "Tell a long story.", Guid.NewGuid());
        var askB = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, second.Id, null, "And another.", Guid.NewGuid());
        var replyA = await host.Commands.StartReplyAsync(ChatTestHost.Ada, first.Id, askA, null, "node-a", Guid.NewGuid());
        var failed = await host.Commands.StartReplyAsync(ChatTestHost.Ada, second.Id, askB, null, "node-a", Guid.NewGuid());
        var replyB = failed;
        var (textA, textB) = (new StringBuilder(), new StringBuilder());
        for (var i = 1; i <= 150; i++)
        {
            await host.Commands.AppendTokensAsync(Actor.System, first.Id, replyA, Delta(textA, $"a{i} "), 2 * i, Guid.NewGuid());
            if (i % 3 == 0) continue;
            // Non-ASCII and a surrogate pair: text_length counts UTF-16 code units.
            await host.Commands.AppendTokensAsync(Actor.System, second.Id, replyB, Delta(textB, $"b{i} é🙂 "), 3 * i, Guid.NewGuid());
            if (i == 70)
            {
                await host.Commands.FailReplyAsync(Actor.System, second.Id, replyB, "model crashed", Guid.NewGuid());
                replyB = await host.Commands.StartReplyAsync(ChatTestHost.Ada, second.Id, askB, null, "node-a", Guid.NewGuid());
                textB.Clear();
            }
        }
        await host.Commands.CompleteReplyAsync(Actor.System, first.Id, replyA, "stop", 20, 300, 80, 30, Guid.NewGuid());

        // A commit of many batches (a group commit, or batches flushed late): the next turn of the first chat, its
        // batches in commits of 100, the last one with the reply's completion; and in the second chat a whole
        // failed turn and its regenerate in one commit while the regenerated first reply is still streaming.
        var askC = await host.Commands.PostUserMessageAsync(ChatTestHost.Ada, first.Id, replyA, "Go on.", Guid.NewGuid());
        var replyC = await host.Commands.StartReplyAsync(ChatTestHost.Ada, first.Id, askC, null, "node-a", Guid.NewGuid());
        var textC = new StringBuilder();
        for (var commit = 0; commit < 3; commit++)
        {
            var events = Enumerable.Range(commit * 100 + 1, 100)
                .Select(i => new NewEvent(Guid.NewGuid(), new ReplyTokensAppended(replyC, Delta(textC, $"c{i} "), i))).ToList();
            if (commit == 2) events.Add(new(Guid.NewGuid(), new ReplyCompleted(replyC, "length", 30, 300, 90, 40)));
            await AppendAsync(first.Id, events);
        }
        var (askD, replyD, regenerated) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await AppendAsync(second.Id,
        [
            new(Guid.NewGuid(), new UserMessagePosted(askD, null, "A branch.")),
            new(Guid.NewGuid(), new ReplyStarted(replyD, askD, null, "node-a")),
            new(Guid.NewGuid(), new ReplyTokensAppended(replyB, "b-late ", 500)),
            new(Guid.NewGuid(), new ReplyTokensAppended(replyD, "d1 ", 1)),
            new(Guid.NewGuid(), new ReplyTokensAppended(replyB, "b-later ", 501)),
            new(Guid.NewGuid(), new ReplyTokensAppended(replyD, "d2 ", 2)),
            new(Guid.NewGuid(), new ReplyFailed(replyD, "out of memory")),
            new(Guid.NewGuid(), new ReplyStarted(regenerated, askD, null, "node-a")),
            new(Guid.NewGuid(), new ReplyTokensAppended(regenerated, "e1 ", 1)),
            new(Guid.NewGuid(), new ReplyTokensAppended(regenerated, "e2 ", 2)),
        ]);
        textB.Append("b-late b-later ");

        var built = await SnapshotAsync(ChatTables);
        var messages = (await host.Queries.ThreadAsync(first.Id))!.Messages.Concat((await host.Queries.ThreadAsync(second.Id))!.Messages)
            .ToDictionary(m => m.Id);
        Assert.Equal((textA.ToString(), MessageStatus.Complete, 300), (messages[replyA].Text, messages[replyA].Status, messages[replyA].CompletionTokens));
        Assert.Equal((textC.ToString(), MessageStatus.Complete), (messages[replyC].Text, messages[replyC].Status));
        Assert.Equal(MessageStatus.Failed, messages[failed].Status);
        Assert.Equal((textB.ToString(), MessageStatus.Streaming, 501), (messages[replyB].Text, messages[replyB].Status, messages[replyB].CompletionTokens));
        Assert.Equal(("d1 d2 ", MessageStatus.Failed), (messages[replyD].Text, messages[replyD].Status));
        Assert.Equal(("e1 e2 ", MessageStatus.Streaming), (messages[regenerated].Text, messages[regenerated].Status));
        await using (var lengths = host.DataSource.CreateCommand("select text_length from chat_messages where message_id = @id"))
        {
            lengths.Parameters.AddWithValue("id", replyB);
            Assert.Equal(textB.Length, await lengths.ExecuteScalarAsync());
        }
        var chats = (await host.Queries.ChatAsync(first.Id), await host.Queries.ChatAsync(second.Id));
        Assert.Equal((ChatStatus.Idle, 457L), (chats.Item1!.Status, chats.Item1.StreamVersion));
        Assert.Equal(ChatStatus.Streaming, chats.Item2!.Status);

        using var daemon = await host.Test.Store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync(ChatProjection.ProjectionName, TimeSpan.FromMinutes(2), CancellationToken.None);

        var rebuilt = await SnapshotAsync(ChatTables);
        foreach (var (table, _) in ChatTables)
            Assert.True(built[table].SequenceEqual(rebuilt[table]),
                $"{table} differs after the rebuild:\n{string.Join('\n', built[table].Except(rebuilt[table]))}\nnow:\n{string.Join('\n', rebuilt[table].Except(built[table]))}");

        static string Delta(StringBuilder text, string delta)
        {
            text.Append(delta);
            return delta;
        }
    }

    private static readonly (string Table, string Order)[] ChatTables = [("chats", "id"), ("chat_messages", "chat_id, message_id")];

    private async Task AppendAsync(Guid chatId, IReadOnlyList<NewEvent> events)
    {
        var stream = ChatStream.Id(chatId);
        var version = (await host.Store.ReadStreamAsync(stream))[^1].Version;
        await host.Store.AppendAsync(stream, version, events, new EventMetadata("system", "System", DateTimeOffset.UtcNow, Guid.NewGuid()));
    }

    private async Task<Dictionary<string, List<string>>> SnapshotAsync(IEnumerable<(string Table, string Order)>? tables = null)
    {
        var result = new Dictionary<string, List<string>>();
        foreach (var (table, order) in tables ?? ReadModels)
        {
            await using var command = host.DataSource.CreateCommand($"select to_jsonb(t)::text from {table} t order by {order}");
            var rows = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
            result[table] = rows;
        }
        return result;
    }
}
