using System.Collections.Concurrent;
using ConstitutionHub.Web.Features.Constitutions;
using ConstitutionHub.Web.Infrastructure;
using Npgsql;

namespace ConstitutionHub.Web.Features.Annotations;

/// <summary>
/// Tells every reader of a constitution, on every web node, that its annotations changed: after each write a
/// PostgreSQL NOTIFY on <see cref="Channel"/> carries the constitution id, and each node's <see cref="ChangeFeed"/>
/// hands it to the pages reading that constitution here. (Annotation streams are one per thread, so a page cannot
/// follow them by stream id the way it follows a chat.)
/// </summary>
public sealed class AnnotationFeed : IDisposable
{
    public const string Channel = "hub_annotations";

    private readonly HubDatabase database;
    private readonly ILogger<AnnotationFeed> logger;
    private readonly ConcurrentDictionary<Guid, (Guid Constitution, Func<Task> Handler)> subscribers = new();
    private readonly IDisposable subscription;

    public AnnotationFeed(ChangeFeed feed, HubDatabase database, ILogger<AnnotationFeed> logger)
    {
        this.database = database;
        this.logger = logger;
        subscription = feed.SubscribeChannel(Channel, OnPayload);
    }

    public IDisposable Subscribe(Guid constitutionId, Func<Task> handler)
    {
        var key = Guid.NewGuid();
        subscribers[key] = (constitutionId, handler);
        return new Subscription(() => subscribers.TryRemove(key, out _));
    }

    /// <summary>Announces a change; a lost notification costs readers one refresh, the streams stay the truth.</summary>
    public async Task AnnounceAsync(Guid constitutionId)
    {
        try
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("select pg_notify(@channel, @payload)", connection);
            command.Parameters.AddWithValue("channel", Channel);
            command.Parameters.AddWithValue("payload", constitutionId.ToString("N"));
            await command.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning(e, "Could not announce an annotation change of {Constitution}", constitutionId);
        }
    }

    private void OnPayload(string payload)
    {
        if (!Guid.TryParseExact(payload, "N", out var constitutionId)) return;
        foreach (var (_, (constitution, handler)) in subscribers)
        {
            if (constitution != constitutionId) continue;
            _ = Task.Run(async () =>
            {
                try { await handler(); }
                catch (Exception e) { logger.LogDebug(e, "An annotation subscriber failed"); }
            });
        }
    }

    public void Dispose() => subscription.Dispose();

    private sealed class Subscription(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
