using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Text.Json;
using System.Threading.Channels;
using ConstitutionHub.Core.Streams;
using Npgsql;

namespace ConstitutionHub.Web.Infrastructure.Nodes;

/// <summary>The sending node is shutting down: forget what it said without waiting for its heartbeat to lapse.</summary>
public sealed record NodeGone(string Node) : NodeMessage(Node);

/// <summary>
/// How web nodes sharing a database talk to each other, through PostgreSQL LISTEN/NOTIFY: the node's one listening
/// connection (re-opened with back-off when it drops) and its one sender. It carries the event store's commit notices
/// (<see cref="CommitAnnouncer"/>: which stream moved, on any node) and the typed channels features declare
/// (<see cref="NodesSetup.AddNodeChannel{T}"/>). Messages are fire-and-forget and may be lost (a node reconnecting
/// misses what was sent meanwhile), so anything that matters is repeated by its owner on the <see cref="NodeHeartbeat"/>
/// or re-checked on <see cref="OnReconnected"/>. A node never hears its own messages: it acted locally before sending.
/// </summary>
public sealed class NodeBus : BackgroundService
{
    public static readonly NodeChannel<NodeGone> Goodbyes = new("hub_nodes");

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestRetry = TimeSpan.FromSeconds(30);

    private readonly NodeIdentity node;
    private readonly HubDatabase database;
    private readonly NpgsqlDataSource dataSource;
    private readonly TimeProvider time;
    private readonly ILogger<NodeBus> logger;
    private readonly Dictionary<string, NodeRoute> routes;
    private readonly Lock gate = new();
    private readonly ConcurrentDictionary<string, ImmutableArray<Func<StreamChanged, Task>>> streams = new();
    private ImmutableArray<Action> reconnected = [];
    private ImmutableArray<Action<string>> goodbyes = [];
    private readonly CancellationTokenSource shutdown = new();
    private Task sender = Task.CompletedTask;
    private TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Messages leave in the order they were posted, through one sender; a full outbox means the database is
    // unreachable, and the heartbeat repeats what was dropped.
    private readonly Channel<(string Channel, string Payload)> outbox = Channel.CreateBounded<(string, string)>(
        new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public NodeBus(NodeIdentity node, HubDatabase database, NpgsqlDataSource dataSource, IEnumerable<NodeChannel> channels, TimeProvider time,
        ILogger<NodeBus> logger)
    {
        (this.node, this.database, this.dataSource, this.time, this.logger) = (node, database, dataSource, time, logger);
        routes = channels.Append(Goodbyes).DistinctBy(c => c.Name).ToDictionary(c => c.Name, c => c.CreateRoute());
        Subscribe(Goodbyes, gone => Raise(goodbyes, gone.Node));
    }

    public string NodeName => node.Name;

    /// <summary>Completes once the node listens on every channel (again after a reconnect): what is sent from then on
    /// is heard.</summary>
    public Task Listening
    {
        get
        {
            lock (gate) return listening.Task;
        }
    }

    /// <summary>Calls <paramref name="handler"/> after every commit to <paramref name="streamId"/> on any node, this one
    /// included, off the listening thread; a slow or failing handler holds up nobody else.</summary>
    public IDisposable Subscribe(string streamId, Func<StreamChanged, Task> handler)
    {
        streams.AddOrUpdate(streamId, _ => [handler], (_, list) => list.Add(handler));
        return new Subscription(() =>
        {
            while (streams.TryGetValue(streamId, out var list))
            {
                var rest = list.Remove(handler);
                if (rest.IsEmpty ? streams.TryRemove(new(streamId, list)) : streams.TryUpdate(streamId, rest, list)) return;
            }
        });
    }

    /// <summary>Hands every well-formed message another node sends on <paramref name="channel"/> to
    /// <paramref name="handler"/>, on the listening thread: it must be quick. A failing handler is logged.</summary>
    public IDisposable Subscribe<T>(NodeChannel<T> channel, Action<T> handler) where T : NodeMessage
    {
        if (!routes.TryGetValue(channel.Name, out var route) || route is not NodeRoute<T> typed || !ReferenceEquals(typed.Channel, channel))
            throw new InvalidOperationException($"The channel '{channel.Name}' is not declared: call AddNodeChannel for it.");
        lock (gate) typed.Handlers = typed.Handlers.Add(handler);
        return new Subscription(() =>
        {
            lock (gate) typed.Handlers = typed.Handlers.Remove(handler);
        });
    }

    /// <summary>Calls <paramref name="handler"/> after the listening connection came back: whatever was sent while
    /// it was down is missed, so owners of state repeat it and watchers re-check.</summary>
    public IDisposable OnReconnected(Action handler)
    {
        lock (gate) reconnected = reconnected.Add(handler);
        return new Subscription(() =>
        {
            lock (gate) reconnected = reconnected.Remove(handler);
        });
    }

    /// <summary>Calls <paramref name="handler"/> with the name of a node that said goodbye.</summary>
    public IDisposable OnNodeGone(Action<string> handler)
    {
        lock (gate) goodbyes = goodbyes.Add(handler);
        return new Subscription(() =>
        {
            lock (gate) goodbyes = goodbyes.Remove(handler);
        });
    }

    /// <summary>Queues a message for the other nodes; never waits for the database. Throws when the message is
    /// malformed: that is a bug of the sender.</summary>
    public void Post<T>(NodeChannel<T> channel, T message) where T : NodeMessage
    {
        if (!outbox.Writer.TryWrite((channel.Name, channel.Serialize(message))))
            logger.LogDebug("Node bus outbox full; dropped a {Type} for {Channel}", message.GetType().Name, channel.Name);
    }

    /// <summary>Sends a message now; throws when the database cannot take it, so the person asking learns of it.</summary>
    public Task PublishAsync<T>(NodeChannel<T> channel, T message, CancellationToken ct = default) where T : NodeMessage =>
        PgNotify.SendAsync(dataSource, [(channel.Name, channel.Serialize(message))], ct);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        sender = Task.Run(() => SendAsync(shutdown.Token), CancellationToken.None);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(failures, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                failures++;
                lock (gate)
                    if (listening.Task.IsCompleted) listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
                var wait = TimeSpan.FromTicks(Math.Min(LongestRetry.Ticks, FirstRetry.Ticks << Math.Min(failures - 1, 10)));
                logger.LogWarning(e, "The node bus lost its database connection (attempt {Attempt}); listening again in {Seconds:0.0} s. " +
                    "Messages sent meanwhile are missed; heartbeats and re-checks repair what they said.", failures, wait.TotalSeconds);
                try
                {
                    await Task.Delay(wait, time, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task ListenAsync(int failures, CancellationToken stoppingToken)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(stoppingToken);
        connection.Notification += (_, e) => Route(e.Channel, e.Payload);
        var names = routes.Keys.Prepend(CommitAnnouncer.Channel).ToList();
        // Channel names are identifiers checked by NodeChannel, never input: LISTEN takes no parameters.
        await using (var listen = new NpgsqlCommand(string.Join("; ", names.Select(n => $"listen {n}")), connection))
            await listen.ExecuteNonQueryAsync(stoppingToken);
        if (failures > 0)
            logger.LogInformation("The node bus listens again on {Channels} after {Failures} failed attempt(s)", string.Join(", ", names), failures);
        TaskCompletionSource ready;
        lock (gate) ready = listening;
        ready.TrySetResult();
        if (failures > 0) Raise(reconnected);
        while (true) await connection.WaitAsync(stoppingToken);
    }

    /// <summary>Runs on the listening connection's thread. Nothing a payload holds may throw out of here: the
    /// connection would drop, and any client of the database can notify.</summary>
    private void Route(string channel, string payload)
    {
        if (channel == CommitAnnouncer.Channel)
        {
            OnStreamChanged(payload);
            return;
        }
        if (!routes.TryGetValue(channel, out var route)) return;
        var problem = route.Deliver(payload, node.Name, logger);
        if (problem is not null) logger.LogWarning("Ignored a malformed message on {Channel}: {Problem}", channel, problem);
    }

    private void OnStreamChanged(string payload)
    {
        StreamChanged? changed;
        try
        {
            changed = JsonSerializer.Deserialize<StreamChanged>(payload);
        }
        catch (JsonException e)
        {
            logger.LogWarning("Ignored a malformed commit notice on {Channel}: {Problem}", CommitAnnouncer.Channel, e.Message);
            return;
        }
        if (changed is not { Stream.Length: > 0 } || !streams.TryGetValue(changed.Stream, out var handlers)) return;
        foreach (var handler in handlers)
        {
            _ = Task.Run(async () =>
            {
                try { await handler(changed); }
                catch (Exception e) { logger.LogWarning(e, "A subscriber of stream {Stream} failed", changed.Stream); }
            });
        }
    }

    private async Task SendAsync(CancellationToken ct)
    {
        var batch = new List<(string, string)>();
        try
        {
            while (await outbox.Reader.WaitToReadAsync(ct))
            {
                // Whatever queued up meanwhile goes in the same round trip.
                while (batch.Count < 64 && outbox.Reader.TryRead(out var next)) batch.Add(next);
                try
                {
                    await PgNotify.SendAsync(dataSource, batch, ct);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
                {
                    logger.LogWarning(e, "Could not send {Count} node message(s); the next heartbeat repeats what matters", batch.Count);
                }
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await shutdown.CancelAsync();
        await sender;
        try
        {
            // Tells the other nodes at once that what this one said (viewers, queued replies) is void.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await PublishAsync(Goodbyes, new NodeGone(node.Name), timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException or IOException)
        {
            logger.LogInformation("Could not say goodbye to the other nodes ({Reason}); they forget this one after {Seconds} s of silence",
                e.Message, NodeHeartbeat.ForgetAfter.TotalSeconds);
        }
    }

    public override void Dispose()
    {
        shutdown.Dispose();
        base.Dispose();
    }

    private void Raise(ImmutableArray<Action> handlers)
    {
        foreach (var handler in handlers)
        {
            try { handler(); }
            catch (Exception e) { logger.LogWarning(e, "A node bus reconnect handler failed"); }
        }
    }

    private void Raise(ImmutableArray<Action<string>> handlers, string gone)
    {
        foreach (var handler in handlers)
        {
            try { handler(gone); }
            catch (Exception e) { logger.LogWarning(e, "A node goodbye handler failed"); }
        }
    }
}
