using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using ConstitutionHub.Web.Features.Constitutions;
using Npgsql;

namespace ConstitutionHub.Web.Features.Chats;

/// <summary>
/// What web nodes sharing a database tell each other about chats, as small JSON notifications on
/// <see cref="ChatControl.Channel"/>. <paramref name="Node"/> is the sender (<see cref="NodeIdentity"/>).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(StopSignal), "stop")]
[JsonDerivedType(typeof(PresenceSignal), "presence")]
[JsonDerivedType(typeof(ProgressSignal), "progress")]
[JsonDerivedType(typeof(NodeGoneSignal), "gone")]
[JsonDerivedType(typeof(ShareViewersSignal), "share-viewers")]
public abstract record ChatSignal(string Node)
{
    /// <summary>Null when the signal is well formed; otherwise why it is not. Anything on the channel is checked:
    /// any client of the database can notify on it.</summary>
    public virtual string? Problem() =>
        string.IsNullOrWhiteSpace(Node) || Node.Length > NodeIdentity.MaxLength ? "node name missing or too long" : null;
}

/// <summary>The chat's owner asked, on the sending node, to stop a reply that <paramref name="Target"/> is writing.
/// The sender has already checked the owner; the target checks only that it runs this reply of this chat.</summary>
public sealed record StopSignal(string Node, Guid ChatId, Guid ReplyId, string Target) : ChatSignal(Node)
{
    public override string? Problem() => base.Problem()
        ?? (ChatId == Guid.Empty || ReplyId == Guid.Empty ? "chat or reply id missing" : null)
        ?? (string.IsNullOrWhiteSpace(Target) || Target.Length > NodeIdentity.MaxLength ? "target node missing or too long" : null);
}

/// <summary>A signed-in viewer: the id keeps a person with pages on two nodes counted once.</summary>
public sealed record ViewerEntry(string Id, string Name);

/// <summary>Everyone watching a chat on the sending node, complete (not a change): sent when it changes and as a
/// heartbeat. No viewers and no anonymous ones: the node has nobody on that chat any more.</summary>
public sealed record PresenceSignal(string Node, Guid ChatId, IReadOnlyList<ViewerEntry> Viewers, int Anonymous) : ChatSignal(Node)
{
    public const int MaxViewers = 100;
    public const int MaxField = 200;

    public override string? Problem()
    {
        if (base.Problem() is { } problem) return problem;
        if (ChatId == Guid.Empty) return "chat id missing";
        // Null despite the annotation when a payload leaves the list out.
        if (Viewers is not { Count: <= MaxViewers } viewers) return "viewer list missing or too long";
        if (viewers.Any(v => v is null || string.IsNullOrEmpty(v.Id) || v.Id.Length > MaxField || string.IsNullOrEmpty(v.Name) || v.Name.Length > MaxField))
            return "a viewer without id or name, or with one too long";
        return Anonymous is < 0 or > 1_000_000 ? "anonymous count out of range" : null;
    }
}

/// <summary>A reply the sending node runs waits behind <paramref name="QueuePosition"/> others; null or 0: it no
/// longer waits (it generates, or it ended).</summary>
public sealed record ProgressSignal(string Node, Guid ChatId, Guid ReplyId, int? QueuePosition) : ChatSignal(Node)
{
    public override string? Problem() => base.Problem()
        ?? (ChatId == Guid.Empty || ReplyId == Guid.Empty ? "chat or reply id missing" : null)
        ?? (QueuePosition is < 0 or > 1_000_000 ? "queue position out of range" : null);
}

/// <summary>How many live viewers a share link has on the sending node, complete (not a change): sent when it changes
/// and as a heartbeat. 0: the node has nobody on that link any more. Lives here because it rides the same line.</summary>
public sealed record ShareViewersSignal(string Node, Guid ShareId, int Count) : ChatSignal(Node)
{
    public const int MaxCount = 100_000;

    public override string? Problem() => base.Problem()
        ?? (ShareId == Guid.Empty ? "share id missing" : null)
        ?? (Count is < 0 or > MaxCount ? "viewer count out of range" : null);
}

/// <summary>The sending node is shutting down: forget what it said without waiting for its heartbeat to lapse.</summary>
public sealed record NodeGoneSignal(string Node) : ChatSignal(Node);

/// <summary>
/// The chat features' line between web nodes: PostgreSQL NOTIFY on <see cref="Channel"/>, heard through the node's
/// one listening connection (<see cref="ChangeFeed"/>). Signals are fire-and-forget and may be lost (a node
/// reconnecting misses what was sent meanwhile), so every state that matters is repeated: presence and queue
/// positions by heartbeat, and a stop the owner can ask for again. A node ignores its own signals: it acted
/// locally before sending them.
/// </summary>
public sealed class ChatControl : BackgroundService
{
    public const string Channel = "hub_chat_control";

    /// <summary>PostgreSQL refuses payloads of 8000 bytes or more; stay well under, with room for escaping.</summary>
    public const int MaxPayloadBytes = 7000;

    /// <summary>How often a node repeats what it knows (its viewers, its queued replies).</summary>
    public static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(5);

    /// <summary>What another node said is forgotten when it has not repeated it for this long: three heartbeats,
    /// so one lost notification never hides a viewer, and a crashed node's viewers go within about 15 s.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromSeconds(15);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // The discriminator may come anywhere in a payload another program wrote.
        AllowOutOfOrderMetadataProperties = true,
    };

    private readonly NodeIdentity node;
    private readonly IServiceProvider services;
    private readonly ILogger<ChatControl> logger;
    private readonly IDisposable subscription;
    // Presence and progress go out in the order they happened, through one sender; a full outbox means the database
    // is unreachable, and the heartbeat repeats what was dropped.
    private readonly Channel<ChatSignal> outbox = System.Threading.Channels.Channel.CreateBounded<ChatSignal>(
        new BoundedChannelOptions(1024) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public ChatControl(NodeIdentity node, ChangeFeed feed, IServiceProvider services, ILogger<ChatControl> logger)
    {
        (this.node, this.services, this.logger) = (node, services, logger);
        subscription = feed.SubscribeChannel(Channel, OnPayload);
    }

    public string NodeName => node.Name;

    /// <summary>Raised for every well-formed signal from another node, on the listening thread: handlers are quick.</summary>
    public event Action<ChatSignal>? Received;

    /// <summary>Queues a signal for the other nodes; never waits for the database.</summary>
    public void Post(ChatSignal signal)
    {
        if (!outbox.Writer.TryWrite(signal)) logger.LogDebug("Chat signal outbox full; dropped a {Type}", signal.GetType().Name);
    }

    /// <summary>Sends a signal now; throws when the database cannot take it, so the person asking learns of it.</summary>
    public async Task PublishAsync(ChatSignal signal, CancellationToken ct = default)
    {
        var payload = Serialize(signal);
        var dataSource = services.GetRequiredService<NpgsqlDataSource>();
        await using var command = dataSource.CreateCommand("select pg_notify(@channel, @payload)");
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payload", payload);
        await command.ExecuteNonQueryAsync(ct);
    }

    public static string Serialize(ChatSignal signal)
    {
        if (signal.Problem() is { } problem) throw new ArgumentException($"A malformed chat signal: {problem}.", nameof(signal));
        var payload = JsonSerializer.Serialize(signal, Json);
        if (Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes)
            throw new ArgumentException($"A chat signal of more than {MaxPayloadBytes} bytes.", nameof(signal));
        return payload;
    }

    /// <summary>The signal in a payload, or null with the reason when it is not one this app accepts.</summary>
    public static ChatSignal? Parse(string payload, out string? problem)
    {
        problem = null;
        if (Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes) { problem = "payload too large"; return null; }
        try
        {
            var signal = JsonSerializer.Deserialize<ChatSignal>(payload, Json);
            problem = signal is null ? "empty payload" : signal.Problem();
            return problem is null ? signal : null;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            problem = e.Message;
            return null;
        }
    }

    private void OnPayload(string payload)
    {
        var signal = Parse(payload, out var problem);
        if (signal is null)
        {
            logger.LogWarning("Ignored a malformed signal on {Channel}: {Problem}", Channel, problem);
            return;
        }
        if (signal.Node == node.Name) return;
        foreach (var handler in Received?.GetInvocationList() ?? [])
        {
            try { ((Action<ChatSignal>)handler)(signal); }
            catch (Exception e) { logger.LogWarning(e, "A chat signal handler failed"); }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var signal in outbox.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await PublishAsync(signal, stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException or ArgumentException)
                {
                    logger.LogWarning(e, "Could not send a chat signal; the next heartbeat repeats it");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            // Tells the other nodes at once that this one's viewers and queued replies are gone.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await PublishAsync(new NodeGoneSignal(node.Name), timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or OperationCanceledException)
        {
            logger.LogDebug(e, "Could not say goodbye; the other nodes forget this one after {Seconds} s", ForgetAfter.TotalSeconds);
        }
    }

    public override void Dispose()
    {
        subscription.Dispose();
        base.Dispose();
    }
}
