using ConstitutionHub.Core.Chats;
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

    private async Task<Dictionary<string, List<string>>> SnapshotAsync()
    {
        var result = new Dictionary<string, List<string>>();
        foreach (var (table, order) in ReadModels)
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
