using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Testing;
using ConstitutionHub.Web.Infrastructure.Nodes;
using ConstitutionHub.Web.Features.Sharing;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.AspNetCore.SignalR.Client;

namespace ConstitutionHub.Web.Tests.Sharing;

/// <summary>
/// Two web nodes on one database, as behind a load balancer: viewers of one live link land on either, and the
/// "watching" count must be the same everywhere. Both nodes are the real app on Kestrel; viewers are the .NET SignalR
/// client on the share hub.
/// </summary>
public sealed class ShareNodesTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private TwoNodes nodes = null!;
    private HubServer nodeA => nodes.A;
    private HubServer nodeB => nodes.B;

    public async Task InitializeAsync()
    {
        nodes = await TwoNodes.StartAsync(nameof(ShareNodesTests));
    }

    public async Task DisposeAsync() => await nodes.DisposeAsync();

    [Fact]
    public async Task Viewers_on_both_nodes_are_counted_together_and_those_who_leave_one_node_leave_the_count_on_the_other()
    {
        var chats = new SharedChats(nodeA);
        var chat = await chats.StartAsync("Watched from two nodes");
        var token = (await chats.Links.CreateAsync(SharedChats.Ada, chat.Id, ShareMode.Live)).Token;

        await using var onA = await CountingViewer.JoinAsync(nodeA, token);
        var onB1 = await CountingViewer.JoinAsync(nodeB, token);
        var onB2 = await CountingViewer.JoinAsync(nodeB, token);

        foreach (var viewer in new[] { onA, onB1, onB2 }) await viewer.WaitForCountAsync(3, Patience);

        await onB1.DisposeAsync();
        await onB2.DisposeAsync();
        await onA.WaitForCountAsync(1, TimeSpan.FromSeconds(5));
        Assert.Equal(1, nodeA.Services.GetRequiredService<ShareBroadcaster>().ViewerCount(
            (await chats.Links.ResolveAsync(token))!.ShareId));
    }

    [Theory]
    [InlineData(-1, "anonymous count out of range")]
    [InlineData(1_000_001, "anonymous count out of range")]
    [InlineData(0, null)]
    [InlineData(1_000_000, null)]
    public void A_viewer_count_from_another_node_is_checked_before_it_counts(int count, string? problem)
    {
        var topic = ShareBroadcaster.PresenceTopic(Guid.NewGuid());
        var payload = $$"""{"node":"node-c","topic":"{{topic}}","viewers":[],"anonymous":{{count}}}""";
        var message = NodePresence.Channel.Parse(payload, out var why);
        Assert.Equal(problem, why);
        Assert.Equal(problem is null, message is { Anonymous: var c } && c == count);
        Assert.Null(NodePresence.Channel.Parse("""{"node":"node-c","topic":"","viewers":[],"anonymous":1}""", out why));
        Assert.Equal("topic missing or too long", why);
    }

    /// <summary>An anonymous viewer on one node's share hub, keeping the last count it was told.</summary>
    private sealed class CountingViewer : IAsyncDisposable
    {
        private readonly HubConnection connection;
        private readonly Received<int> counts = new();

        private CountingViewer(HubConnection connection)
        {
            this.connection = connection;
            connection.On<int>("viewers", counts.Add);
        }

        public static async Task<CountingViewer> JoinAsync(HubServer node, string token)
        {
            var viewer = new CountingViewer(new HubConnectionBuilder().WithUrl(new Uri(node.Address, SharingSetup.HubPath)).Build());
            await viewer.connection.StartAsync();
            var joined = await viewer.connection.InvokeAsync<ShareUpdate>("Join", token);
            viewer.counts.Add(joined.Viewers);
            return viewer;
        }

        /// <summary>Waits until the last count this viewer was told is <paramref name="expected"/>.</summary>
        public Task WaitForCountAsync(int expected, TimeSpan patience) =>
            counts.WaitAsync(told => told.Count > 0 && told[^1] == expected, $"to be told {expected} viewers", patience);

        public async ValueTask DisposeAsync() => await connection.DisposeAsync();
    }
}
