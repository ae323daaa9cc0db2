using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Infrastructure.Nodes;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ConstitutionHub.Web.Tests.Nodes;

/// <summary>
/// The node bus on the real app and a real PostgreSQL: two nodes in this process sharing one database, as behind a
/// load balancer. Each node runs on a fake clock of its own, so a test decides when a node's heartbeat beats and when
/// its silence has lasted long enough; messages still travel through the database in real time.
/// </summary>
public sealed class NodeBusTests : IAsyncLifetime
{
    private readonly FakeTimeProvider clockA = new(DateTimeOffset.UtcNow);
    private readonly FakeTimeProvider clockB = new(DateTimeOffset.UtcNow);
    private TwoNodes nodes = null!;

    public async Task InitializeAsync()
    {
        nodes = await TwoNodes.StartAsync(nameof(NodeBusTests),
            a => a.Services.AddSingleton<TimeProvider>(clockA), b => b.Services.AddSingleton<TimeProvider>(clockB));
        await Bus(nodes.A).Listening;
        await Bus(nodes.B).Listening;
    }

    public async Task DisposeAsync() => await nodes.DisposeAsync();

    private static NodeBus Bus(HubServer node) => node.Services.GetRequiredService<NodeBus>();
    private static NodePresence Presence(HubServer node) => node.Services.GetRequiredService<NodePresence>();

    [Fact]
    public async Task A_viewer_on_one_node_is_seen_on_the_other_until_that_node_falls_silent_and_again_when_it_beats()
    {
        const string topic = "constitution-reading-1";
        var onB = new Received<int>();
        using var watch = Presence(nodes.B).Watch(topic, w => onB.Add(w.Total));

        using var viewer = Presence(nodes.A).Join(topic, new Actor("local:ada", "Ada"));
        await onB.WaitAsync(t => t.Count > 0 && t[^1] == 1, "node B to see Ada");
        Assert.Equal(["Ada"], Presence(nodes.B).Of(topic).Names);
        // Node A does not hear itself: Ada counts once there, too.
        Assert.Equal(1, Presence(nodes.A).Of(topic).Total);

        // Node A says nothing more (its clock stands still); on node B three heartbeats' worth of silence pass.
        clockB.Advance(NodeHeartbeat.ForgetAfter + NodeHeartbeat.Every);
        await onB.WaitAsync(t => t[^1] == 0, "node B to forget node A's silent viewer");

        // Node A's next heartbeat repeats its viewers, and node B counts Ada again.
        clockA.Advance(NodeHeartbeat.Every);
        await onB.WaitAsync(t => t[^1] == 1, "node A's heartbeat to bring Ada back");

        viewer.Dispose();
        await onB.WaitAsync(t => t[^1] == 0, "node A's 'nobody left' to reach node B");
    }

    [Fact]
    public async Task What_a_person_does_travels_with_their_name_and_their_busiest_page_speaks_for_them()
    {
        const string topic = "constitution-activity-1";
        var onB = new Received<string>();
        using var watch = Presence(nodes.B).Watch(topic, w => onB.Add(string.Join(", ", w.People.Select(p => $"{p.Name}={p.Activity}"))));
        var ada = new Actor("local:ada", "Ada");

        using var reading = Presence(nodes.A).Join(topic, ada, "reading");
        await onB.WaitAsync(t => t.Count > 0 && t[^1] == "Ada=reading", "node B to see Ada reading");
        // A second tab of hers edits: she shows once, editing.
        using var editing = Presence(nodes.A).Join(topic, ada, "editing");
        await onB.WaitAsync(t => t[^1] == "Ada=editing", "node B to see Ada's editing tab");
        editing.Doing("editing: Honesty");
        await onB.WaitAsync(t => t[^1] == "Ada=editing: Honesty", "node B to see the section she edits");
        Assert.Equal(1, Presence(nodes.B).Of(topic).Total);

        editing.Dispose();
        await onB.WaitAsync(t => t[^1] == "Ada=reading", "node B to see her back to reading");
        // A change after leaving is ignored: the page is gone.
        editing.Doing("editing: Curiosity");
        reading.Dispose();
        await onB.WaitAsync(t => t[^1] == "", "node B to see nobody");
        Assert.Equal(Watchers.Nobody, Presence(nodes.A).Of(topic));
    }

    [Fact]
    public async Task A_node_that_stops_says_goodbye_and_the_other_forgets_its_viewers_at_once()
    {
        var config = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Hub"] = nodes.ConnectionString, ["Hub:NodeName"] = "node-c", ["Logging:LogLevel:Default"] = "Warning",
        };
        var nodeC = await HubServer.StartWithAsync(config, configure: c => c.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow)));
        await Bus(nodeC).Listening;
        var onA = new Received<int>();
        using var watch = Presence(nodes.A).Watch("chat-goodbye", w => onA.Add(w.Total));
        Presence(nodeC).Join("chat-goodbye", null);
        await onA.WaitAsync(t => t.Count > 0 && t[^1] == 1, "node A to see node C's viewer");

        // Stopping leaves the viewer joined: only the goodbye can clear it, since no clock moves.
        await nodeC.DisposeAsync();
        await onA.WaitAsync(t => t[^1] == 0, "node C's goodbye");
    }

    [Fact]
    public async Task Malformed_notifications_are_ignored_and_the_bus_keeps_listening()
    {
        var commits = new Received<long>();
        var doc = await CreateConstitutionAsync(nodes.A, "bus-malformed");
        using var heard = Bus(nodes.A).Subscribe(ConstitutionStream.Id(doc.Id), changed =>
        {
            commits.Add(changed.Version);
            return Task.CompletedTask;
        });
        var onA = new Received<int>();
        using var watch = Presence(nodes.A).Watch("chat-malformed", w => onA.Add(w.Total));

        // Any client of the database can notify on these channels: nothing it sends may take the listener down.
        foreach (var (channel, payload) in new[]
        {
            ("hub_events", "not json at all"), ("hub_events", """{"Stream":null}"""), ("hub_events", "[1,2]"),
            (NodePresence.Channel.Name, "{"), (NodePresence.Channel.Name, """{"node":"node-x","topic":"chat-malformed","viewers":null,"anonymous":1}"""),
            (NodeBus.Goodbyes.Name, """{"node":""}"""),
        })
            await NotifyAsync(channel, payload);
        await NotifyAsync(NodePresence.Channel.Name, """{"node":"node-x","topic":"chat-malformed","viewers":[],"anonymous":2}""");
        await onA.WaitAsync(t => t.Count > 0 && t[^1] == 2, "the well-formed message after the malformed ones");

        await RenameAsync(nodes.A, doc, "Still heard");
        await commits.WaitAsync(v => v.Any(version => version > doc.StreamVersion), "the commit notice after the malformed ones");
    }

    [Fact]
    public async Task The_bus_listens_again_after_its_connection_is_killed_and_tells_its_subscribers()
    {
        var bus = Bus(nodes.B);
        var reconnected = new Received<bool>();
        using var hook = bus.OnReconnected(() => reconnected.Add(true));
        var doc = await CreateConstitutionAsync(nodes.A, "bus-reconnect");
        var commits = new Received<long>();
        using var heard = bus.Subscribe(ConstitutionStream.Id(doc.Id), changed =>
        {
            commits.Add(changed.Version);
            return Task.CompletedTask;
        });

        await KillListenersAsync();
        // The retry waits on node B's clock: it moves until node B listens again (the first back-off is half a second).
        await Eventually.TrueAsync(() =>
        {
            clockB.Advance(TimeSpan.FromMilliseconds(250));
            return reconnected.Items.Count > 0;
        }, "node B to listen again");
        await bus.Listening;

        await RenameAsync(nodes.A, doc, "Heard again");
        await commits.WaitAsync(v => v.Any(version => version > doc.StreamVersion), "a commit notice after the reconnect");
    }

    private static readonly Actor Ada = new("local:ada", "Ada");

    private static async Task<ConstitutionRow> CreateConstitutionAsync(HubServer node, string slug) =>
        await node.Services.GetRequiredService<ConstitutionCommands>()
            .CreateAsync(Ada, new CreateConstitution(slug, slug, "", Visibility.Public, "# One\n\nText.", "First"), Guid.NewGuid());

    private static Task RenameAsync(HubServer node, ConstitutionRow doc, string title) =>
        node.Services.GetRequiredService<ConstitutionCommands>().ChangeDetailsAsync(Ada, doc.Slug, title, "", Visibility.Public, Guid.NewGuid());

    private async Task NotifyAsync(string channel, string payload)
    {
        await using var connection = new NpgsqlConnection(nodes.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select pg_notify(@channel, @payload)", connection);
        command.Parameters.AddWithValue("channel", channel);
        command.Parameters.AddWithValue("payload", payload);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Ends every listening connection on the database, as a failover or a network cut would.</summary>
    private async Task KillListenersAsync()
    {
        await using var connection = new NpgsqlConnection(nodes.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and query like 'listen %'", connection);
        var killed = (long)(await command.ExecuteScalarAsync())!;
        Assert.True(killed >= 2, $"{killed} listening connections found");
    }
}
