using System.Collections.Concurrent;
using System.Text;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Infrastructure.Nodes;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Features.Sharing;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace ConstitutionHub.Web.Tests.Sharing;

/// <summary>
/// What a live viewer receives on the share hub, update by update: an append made on this node reaches the broadcaster
/// twice (handed over after commit, then announced by the database), an append made on another node only through
/// the database, and viewers must see each batch once, in version order, with offsets that join up.
/// </summary>
public sealed class ShareBroadcastTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private HubServer server = null!;
    private readonly List<Marten.DocumentStore> otherStores = [];
    private SharedChats chats = null!;

    public async Task InitializeAsync()
    {
        server = await HubServer.StartAsync(nameof(ShareBroadcastTests));
        chats = new SharedChats(server);
    }

    public async Task DisposeAsync()
    {
        foreach (var store in otherStores) store.Dispose();
        await server.DisposeAsync();
    }

    [Fact]
    public async Task Each_local_batch_reaches_a_viewer_once_in_version_order_though_it_is_also_announced_by_the_database()
    {
        var chat = await chats.StartAsync("Counted once");
        var (user, reply) = await chats.StartTurnAsync(chat.Id, null, "Count");
        var token = (await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Live)).Token;
        await using var viewer = await Viewer.JoinAsync(server, token);
        var notices = new Received<long>();
        using var heard = server.Services.GetRequiredService<NodeBus>().Subscribe(ChatStream.Id(chat.Id), changed =>
        {
            notices.Add(changed.Version);
            return Task.CompletedTask;
        });

        var batches = Enumerable.Range(1, 40).Select(i => $"n{i} ").ToList();
        foreach (var batch in batches) await chats.AppendAsync(chat.Id, reply, batch);
        await chats.CompleteAsync(chat.Id, reply);
        var stored = (await chats.Queries.ThreadAsync(chat.Id))!;
        await viewer.WaitForAsync(stored.Chat.StreamVersion);
        // The database's notices of those appends come after their hand-over. Once the last has reached this node,
        // a sentinel turn follows them through the same feed: a doubled batch would reach the viewer before it.
        await notices.WaitAsync(v => v.Contains(stored.Chat.StreamVersion), "the notice of the last append");
        await chats.StartTurnAsync(chat.Id, reply, "Sentinel");
        await viewer.WaitForAsync((await chats.Queries.ThreadAsync(chat.Id))!.Chat.StreamVersion);

        viewer.AssertJoinsUp(reply, string.Concat(batches));
        Assert.Equal("complete", viewer.Updates.Last(u => u.Messages.Any(m => m.Id == reply)).Messages.Single(m => m.Id == reply).Status);
        Assert.All(viewer.Updates, u => Assert.False(u.Reset));
        Assert.DoesNotContain(viewer.Updates, u => u.Messages.Any(m => m.Id == user));
    }

    [Fact]
    public async Task Appends_made_on_another_node_reach_viewers_through_the_database_alone_small_or_large()
    {
        var chat = await chats.StartAsync("Two nodes");
        var (_, reply) = await chats.StartTurnAsync(chat.Id, null, "From afar");
        var token = (await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Live)).Token;
        await using var viewer = await Viewer.JoinAsync(server, token);
        var otherNode = OtherNode(server);

        // One batch too large for a notification to carry: that one is read from the stream.
        var batches = Enumerable.Range(1, 15).Select(i => i == 8 ? new string('z', CommitAnnouncer.MaxNotificationBytes) + " " : $"far{i} ").ToList();
        var tokens = 0;
        foreach (var batch in batches)
            await otherNode.AppendTokensAsync(Core.People.Actor.System, chat.Id, reply, batch, tokens += 2, Guid.NewGuid());
        await viewer.WaitForAsync((await chats.Queries.ThreadAsync(chat.Id))!.Chat.StreamVersion);

        viewer.AssertJoinsUp(reply, string.Concat(batches));
    }

    [Fact]
    public async Task An_edit_that_starts_a_new_branch_tells_viewers_to_reload()
    {
        var chat = await chats.StartAsync("Edited");
        var (_, first) = await chats.TurnAsync(chat.Id, null, "First", "One.");
        var (_, second) = await chats.TurnAsync(chat.Id, first, "Second", "Two.");
        var token = (await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Live)).Token;
        await using var viewer = await Viewer.JoinAsync(server, token);

        // An edit of "Second": a new user message answering the same reply, which branches off.
        await chats.Commands.PostUserMessageAsync(SharedChats.Ada, chat.Id, first, "Second, edited", Guid.NewGuid());
        await viewer.WaitForAsync((await chats.Queries.ThreadAsync(chat.Id))!.Chat.StreamVersion);

        Assert.True(viewer.Updates[^1].Reset);
        Assert.DoesNotContain(viewer.Updates, u => u.Messages.Any(m => m.Id == second));
    }

    /// <summary>Appends through a Marten store and commit hook of its own over the same database, as a second web node
    /// would: this server's broadcaster is not handed its commits and hears of them only from PostgreSQL.</summary>
    private ChatCommands OtherNode(HubServer server)
    {
        var services = server.Services;
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        var commits = new CommitAnnouncer(dataSource);
        Assert.NotSame(services.GetRequiredService<CommitAnnouncer>(), commits);
        var store = Core.Streams.HubMarten.CreateStore(services.GetRequiredService<HubDatabase>().ConnectionString, commits);
        otherStores.Add(store);
        return new ChatCommands(new EventStreams(store, dataSource), services.GetRequiredService<ChatQueries>(),
            services.GetRequiredService<ConstitutionQueries>());
    }

    /// <summary>An anonymous viewer on the share hub, keeping every update in arrival order.</summary>
    private sealed class Viewer : IAsyncDisposable
    {
        private readonly HubConnection connection;
        private readonly Received<ShareUpdate> updates = new();

        private Viewer(HubConnection connection)
        {
            this.connection = connection;
            connection.On<ShareUpdate>("update", updates.Add);
        }

        public ShareUpdate Joined { get; private set; } = null!;
        public IReadOnlyList<ShareUpdate> Updates => updates.Items;

        public static async Task<Viewer> JoinAsync(HubServer server, string token)
        {
            var viewer = new Viewer(new HubConnectionBuilder().WithUrl(new Uri(server.Address, SharingSetup.HubPath)).Build());
            await viewer.connection.StartAsync();
            viewer.Joined = await viewer.connection.InvokeAsync<ShareUpdate>("Join", token);
            return viewer;
        }

        public Task WaitForAsync(long seq) =>
            updates.WaitAsync(all => all.Any(u => u.Seq >= seq), $"an update at version {seq}", Patience);

        /// <summary>Updates come in rising version order, none twice, and each delta of <paramref name="messageId"/>
        /// starts where the text shown so far ends, so the viewer ends with <paramref name="expected"/> exactly.</summary>
        public void AssertJoinsUp(Guid messageId, string expected)
        {
            var all = Updates;
            Assert.NotEmpty(all);
            Assert.True(all.Select(u => u.Seq).SequenceEqual(all.Select(u => u.Seq).Distinct().Order()),
                $"Versions out of order or doubled: {string.Join(", ", all.Select(u => u.Seq))}");
            var text = new StringBuilder(Joined.Messages.FirstOrDefault(m => m.Id == messageId)?.Text ?? "");
            foreach (var delta in all.SelectMany(u => u.Messages).Where(m => m.Id == messageId))
            {
                Assert.Equal(text.Length, delta.Offset);
                text.Append(delta.Text);
            }
            Assert.Equal(expected, text.ToString());
        }

        public async ValueTask DisposeAsync() => await connection.DisposeAsync();
    }
}
