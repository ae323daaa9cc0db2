using System.Collections.Concurrent;
using System.Text.Json;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Web.Infrastructure;
using Npgsql;

namespace ConstitutionHub.Web.Features.Constitutions;

/// <summary>
/// Hears PostgreSQL's post-commit notifications (sent by <see cref="CommitAnnouncer"/>, Marten's commit hook) and tells live pages on this node which stream changed. Because
/// the notification comes from the database, pages learn of saves made through any web node sharing it.
/// The same connection listens on the other channels features declare (<see cref="ListenChannel"/>), so a node
/// holds one listening connection however many features talk across nodes.
/// </summary>
public sealed class ChangeFeed(HubDatabase database, IEnumerable<ListenChannel> channels, ILogger<ChangeFeed> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, (string Stream, Func<StreamChanged, Task> Handler)> subscribers = new();
    private readonly string[] extraChannels = channels.Select(c => c.Name).Distinct().ToArray();
    private readonly ConcurrentDictionary<Guid, (string Channel, Action<string> Handler)> channelSubscribers = new();

    /// <summary>Hands every payload of a declared channel to <paramref name="handler"/>, on the listening thread:
    /// it must be quick and must not throw.</summary>
    public IDisposable SubscribeChannel(string channel, Action<string> handler)
    {
        if (!extraChannels.Contains(channel))
            throw new InvalidOperationException($"The channel '{channel}' is not declared: register a ListenChannel for it.");
        var key = Guid.NewGuid();
        channelSubscribers[key] = (channel, handler);
        return new Subscription(() => channelSubscribers.TryRemove(key, out _));
    }

    public IDisposable Subscribe(string streamId, Func<StreamChanged, Task> handler)
    {
        var key = Guid.NewGuid();
        subscribers[key] = (streamId, handler);
        return new Subscription(() => subscribers.TryRemove(key, out _));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(database.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Route(e.Channel, e.Payload);
                foreach (var channel in extraChannels.Prepend(CommitAnnouncer.Channel))
                {
                    // Channel names are identifiers fixed in code, never input: LISTEN takes no parameters.
                    await using var listen = new NpgsqlCommand($"listen {channel}", connection);
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                while (!stoppingToken.IsCancellationRequested) await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                logger.LogWarning(e, "Lost the database notification connection; reconnecting");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private void Route(string channel, string payload)
    {
        if (channel == CommitAnnouncer.Channel)
        {
            Dispatch(payload);
            return;
        }
        foreach (var (_, (name, handler)) in channelSubscribers)
        {
            if (name != channel) continue;
            try { handler(payload); }
            catch (Exception e) { logger.LogWarning(e, "A subscriber of channel {Channel} failed", channel); }
        }
    }

    private void Dispatch(string payload)
    {
        var changed = JsonSerializer.Deserialize<StreamChanged>(payload);
        if (changed is null) return;
        foreach (var (_, (stream, handler)) in subscribers)
        {
            if (stream != changed.Stream) continue;
            // A slow or failing page must not hold up the others.
            _ = Task.Run(async () =>
            {
                try { await handler(changed); }
                catch (Exception e) { logger.LogDebug(e, "A change subscriber failed"); }
            });
        }
    }

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}

/// <summary>A PostgreSQL notification channel a feature needs heard besides the event store's; registered as a
/// singleton so <see cref="ChangeFeed"/> listens on it from its first connection.</summary>
public sealed record ListenChannel
{
    public ListenChannel(string name)
    {
        // LISTEN takes an identifier, not a parameter: only plain lower-case names are accepted.
        if (!System.Text.RegularExpressions.Regex.IsMatch(name, "^[a-z_][a-z0-9_]{0,62}$"))
            throw new ArgumentException($"'{name}' is not a plain channel name.", nameof(name));
        Name = name;
    }

    public string Name { get; }
}
