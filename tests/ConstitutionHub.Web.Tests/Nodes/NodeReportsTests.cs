using ConstitutionHub.Web.Infrastructure.Nodes;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ConstitutionHub.Web.Tests.Nodes;

/// <summary>The silence rule and the heartbeat on a fake clock: no test here waits for real time to pass.</summary>
public sealed class NodeReportsTests
{
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);

    [Fact]
    public void A_report_counts_while_its_node_repeats_it_and_lapses_when_the_node_falls_silent()
    {
        var reports = new NodeReports<string, int>(clock);
        Assert.True(reports.Put("node-b", "chat-1", 2));
        clock.Advance(NodeHeartbeat.ForgetAfter - TimeSpan.FromSeconds(1));
        // The heartbeat repeats the same: quiet, but it keeps the report fresh.
        Assert.False(reports.Put("node-b", "chat-1", 2));
        clock.Advance(NodeHeartbeat.ForgetAfter - TimeSpan.FromSeconds(1));
        Assert.Equal([("node-b", 2)], reports.Of("chat-1"));
        Assert.Empty(reports.ForgetSilent());

        clock.Advance(TimeSpan.FromSeconds(2));
        // Stale reads as gone at once; the sweep then drops it and says what went.
        Assert.Empty(reports.Of("chat-1"));
        Assert.Equal([("chat-1", 2)], reports.ForgetSilent());
        Assert.Empty(reports.ForgetSilent());
        // The node speaking again after its silence counts as news.
        Assert.True(reports.Put("node-b", "chat-1", 2));
    }

    [Fact]
    public void A_node_that_says_goodbye_or_nobody_is_forgotten_at_once_and_other_nodes_keep_their_word()
    {
        var reports = new NodeReports<string, int>(clock);
        reports.Put("node-b", "chat-1", 1);
        reports.Put("node-b", "chat-2", 3);
        reports.Put("node-c", "chat-1", 4);

        Assert.Equal([("chat-1", 1), ("chat-2", 3)], reports.ForgetNode("node-b").OrderBy(r => r.Key));
        Assert.Equal([("node-c", 4)], reports.Of("chat-1"));
        Assert.Empty(reports.Of("chat-2"));
        Assert.True(reports.Remove("node-c", "chat-1"));
        Assert.False(reports.Remove("node-c", "chat-1"));
        Assert.True(reports.Put("node-c", "chat-1", 5) && reports.Put("node-c", "chat-1", 6));
    }

    [Fact]
    public async Task The_heartbeat_beats_on_the_app_clock_and_a_failing_subscriber_holds_up_no_other()
    {
        using var heartbeat = new NodeHeartbeat(clock, NullLogger<NodeHeartbeat>.Instance);
        var beats = new Received<DateTimeOffset>();
        using var failing = heartbeat.Subscribe(() => throw new InvalidOperationException("a broken subscriber"));
        using var counting = heartbeat.Subscribe(() => beats.Add(clock.GetUtcNow()));
        await heartbeat.StartAsync(CancellationToken.None);

        clock.Advance(NodeHeartbeat.Every - TimeSpan.FromMilliseconds(1));
        Assert.Empty(beats.Items);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await beats.WaitAsync(b => b.Count == 1, "the first beat");
        clock.Advance(NodeHeartbeat.Every);
        await beats.WaitAsync(b => b.Count == 2, "the second beat");
        await heartbeat.StopAsync(CancellationToken.None);
    }
}
