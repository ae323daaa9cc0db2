using System.Collections.Concurrent;
using System.Text.Json;
using ConstitutionHub.Core.EventStore;
using ConstitutionHub.Web.Infrastructure;
using Npgsql;

namespace ConstitutionHub.Web.Features.Constitutions;

/// <summary>
/// Hears PostgreSQL's post-commit notifications and tells live pages on this node which stream changed. Because
/// the notification comes from the database, pages learn of saves made through any web node sharing it.
/// </summary>
public sealed class ChangeFeed(HubDatabase database, ILogger<ChangeFeed> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Guid, (string Stream, Func<StreamChanged, Task> Handler)> subscribers = new();

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
                connection.Notification += (_, e) => Dispatch(e.Payload);
                await using (var listen = new NpgsqlCommand($"listen {EventStore.NotificationChannel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
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
