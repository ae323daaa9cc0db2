using System.Collections.Immutable;

namespace ConstitutionHub.Web.Infrastructure.Nodes;

/// <summary>
/// The node's one heartbeat: every <see cref="Every"/>, each subscriber repeats what it told the other nodes (a lost
/// message or a node that started later catches up) and forgets what silent nodes said. Runs on the app's
/// <see cref="TimeProvider"/>, so tests move it with a fake clock.
/// </summary>
public sealed class NodeHeartbeat(TimeProvider time, ILogger<NodeHeartbeat> logger) : BackgroundService
{
    /// <summary>How often a node repeats what it knows (its viewers, its queued replies).</summary>
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    /// <summary>What another node said is forgotten when it has not repeated it for this long: three heartbeats,
    /// so one lost message never hides a viewer, and a crashed node's viewers go within about 20 s (the silence is
    /// noticed on the next beat).</summary>
    public static readonly TimeSpan ForgetAfter = 3 * Every;

    private readonly Lock gate = new();
    private ImmutableArray<Action> beats = [];

    public TimeProvider Time => time;

    public IDisposable Subscribe(Action beat)
    {
        lock (gate) beats = beats.Add(beat);
        return new Subscription(() =>
        {
            lock (gate) beats = beats.Remove(beat);
        });
    }

    private PeriodicTimer? timer;

    /// <summary>The timer starts with the host, not when <see cref="ExecuteAsync"/> first runs (on the thread pool,
    /// some time later): the first beat comes one period after start.</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        timer = new PeriodicTimer(Every, time);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await timer!.WaitForNextTickAsync(stoppingToken)) Beat();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override void Dispose()
    {
        timer?.Dispose();
        base.Dispose();
    }

    private void Beat()
    {
        foreach (var beat in beats)
        {
            try { beat(); }
            catch (Exception e) { logger.LogWarning(e, "A heartbeat subscriber failed"); }
        }
    }
}
