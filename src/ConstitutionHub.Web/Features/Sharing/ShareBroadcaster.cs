using System.Text.Json;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.EventStore;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Features.Constitutions;
using ConstitutionHub.Web.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>One message's change: <paramref name="Text"/> starts at character <paramref name="Offset"/> of its text, so a
/// viewer drops what it already has and sees a gap when the offset lies beyond its text. <paramref name="Html"/> is
/// the rendered Markdown once the message is finished.</summary>
public sealed record MessageDelta(Guid Id, string Role, string Status, int Offset, string Text, string? Html, string Speaker);

/// <summary>A change of the shared branch at stream version <paramref name="Seq"/>. <paramref name="Reset"/>: the branch itself
/// changed (an edit), so the viewer reloads it.</summary>
public sealed record ShareUpdate(long Seq, bool Reset, IReadOnlyList<MessageDelta> Messages, int Viewers);

/// <summary>
/// Fans chat appends out to live share viewers. It learns of appends from the event store's notification (through
/// <see cref="ChangeFeed"/>), so a reply written on any node reaches viewers on every node; per chat it re-reads
/// the thread once and sends every viewing group the same delta, in order. Revocation travels the same way (a
/// notification naming the share), and a sweep checks open links against the database for revokes and expiries
/// made by any other path.
/// </summary>
public sealed class ShareBroadcaster(
    IHubContext<ShareHub> hub, ChangeFeed feed, ChatQueries chats, ShareLinks links, HubDatabase database,
    IOptions<SharingOptions> options, ILogger<ShareBroadcaster> logger)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, (HubCallerContext Context, Guid ShareId)> viewers = [];
    private readonly Dictionary<Guid, ShareGroup> groups = [];
    private readonly Dictionary<Guid, ChatFeed> feeds = [];

    public static string GroupName(Guid shareId) => $"share-{shareId:N}";
    public static string RevocationStream(Guid shareId) => $"share-{shareId:N}";

    public async Task<ShareUpdate> JoinAsync(HubCallerContext context, ResolvedShare share)
    {
        ChatFeed chatFeed;
        lock (gate)
        {
            viewers[context.ConnectionId] = (context, share.ShareId);
            if (!groups.TryGetValue(share.ShareId, out var group))
            {
                group = groups[share.ShareId] = new ShareGroup(share.ShareId, share.ChatId, share.Expires,
                    feed.Subscribe(RevocationStream(share.ShareId), _ => EndAsync(share.ShareId)));
            }
            group.Connections.Add(context.ConnectionId);
            if (!feeds.TryGetValue(share.ChatId, out chatFeed!))
                chatFeed = feeds[share.ChatId] = new ChatFeed(share.ChatId, feed.Subscribe(ChatStream.Id(share.ChatId), _ => PublishAsync(share.ChatId)));
        }
        await hub.Groups.AddToGroupAsync(context.ConnectionId, GroupName(share.ShareId), context.ConnectionAborted);
        // Read after joining the group: an append landing now reaches this viewer either here or as a delta.
        var thread = await chats.ThreadAsync(share.ChatId, ct: context.ConnectionAborted);
        var count = ViewerCount(share.ShareId);
        await hub.Clients.Group(GroupName(share.ShareId)).SendAsync("viewers", count);
        if (thread is null) return new ShareUpdate(0, true, [], count);
        return new ShareUpdate(thread.Chat.StreamVersion, false, thread.Branch.Select(m => Full(thread, m)).ToList(), count);
    }

    public void Leave(string connectionId)
    {
        Guid shareId;
        lock (gate)
        {
            if (!viewers.Remove(connectionId, out var viewer)) return;
            shareId = viewer.ShareId;
            if (groups.TryGetValue(shareId, out var group))
            {
                group.Connections.Remove(connectionId);
                if (group.Connections.Count == 0) RemoveGroup(group);
            }
        }
        _ = hub.Clients.Group(GroupName(shareId)).SendAsync("viewers", ViewerCount(shareId));
    }

    public int ViewerCount(Guid shareId)
    {
        lock (gate) return groups.TryGetValue(shareId, out var g) ? g.Connections.Count : 0;
    }

    /// <summary>Tells every node that a link ended, through the same channel appends use.</summary>
    public async Task AnnounceRevokedAsync(Guid shareId, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("select pg_notify(@channel, @payload)", connection);
        command.Parameters.AddWithValue("channel", EventStore.NotificationChannel);
        command.Parameters.AddWithValue("payload", JsonSerializer.Serialize(new StreamChanged(RevocationStream(shareId), "share_revoked", 0)));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Tells the viewers of a link it is gone and drops their connections: a revoked link shows nothing more.</summary>
    public async Task EndAsync(Guid shareId)
    {
        List<HubCallerContext> dropped;
        lock (gate)
        {
            if (!groups.TryGetValue(shareId, out var group)) return;
            dropped = group.Connections.Select(c => viewers[c].Context).ToList();
            foreach (var c in group.Connections) viewers.Remove(c);
            group.Connections.Clear();
            RemoveGroup(group);
        }
        try
        {
            await hub.Clients.Group(GroupName(shareId)).SendAsync("gone", ShareHub.NotFound);
        }
        finally
        {
            foreach (var context in dropped) context.Abort();
        }
    }

    private void RemoveGroup(ShareGroup group)
    {
        groups.Remove(group.ShareId);
        group.Revocations.Dispose();
        if (groups.Values.Any(g => g.ChatId == group.ChatId)) return;
        if (feeds.Remove(group.ChatId, out var chatFeed)) chatFeed.Subscription.Dispose();
    }

    /// <summary>Re-reads the chat and sends what changed. Serialised per chat: notifications arrive on the thread pool in
    /// any order, and reading the newest state each time makes a late or doubled notification send nothing.</summary>
    private async Task PublishAsync(Guid chatId)
    {
        ChatFeed? chatFeed;
        lock (gate) feeds.TryGetValue(chatId, out chatFeed);
        if (chatFeed is null) return;
        await chatFeed.Gate.WaitAsync();
        try
        {
            var thread = await chats.ThreadAsync(chatId);
            if (thread is null || thread.Chat.StreamVersion <= chatFeed.Version) return;
            var update = chatFeed.Diff(thread);
            if (update is null) return;
            List<Guid> shareIds;
            lock (gate) shareIds = groups.Values.Where(g => g.ChatId == chatId).Select(g => g.ShareId).ToList();
            foreach (var shareId in shareIds)
                await hub.Clients.Group(GroupName(shareId)).SendAsync("update", update with { Viewers = ViewerCount(shareId) });
        }
        finally
        {
            chatFeed.Gate.Release();
        }
    }

    internal static MessageDelta Full(ChatThread thread, ChatMessageRow m) =>
        new(m.Id, Role(m), Status(m), 0, m.Text, m.Status == MessageStatus.Streaming ? null : ShareHtml.MessageHtml(m.Text),
            ShareHtml.Speaker(thread, m));

    private static string Role(ChatMessageRow m) => m.Role == ChatRole.User ? "user" : "assistant";
    private static string Status(ChatMessageRow m) => m.Status.ToString().ToLowerInvariant();

    /// <summary>Checks open links for revocation and expiry made elsewhere (another path, or a clock passing).</summary>
    public async Task SweepAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AccessCheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            List<ShareGroup> open;
            lock (gate) open = groups.Values.ToList();
            foreach (var group in open)
            {
                try
                {
                    var expired = group.Expires is { } e && e <= DateTimeOffset.UtcNow;
                    if (expired || (await links.LinkAsync(group.ShareId, stoppingToken))?.State != ShareState.Active)
                        await EndAsync(group.ShareId);
                }
                catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
                {
                    logger.LogWarning(e, "Could not check share link {ShareId}", group.ShareId);
                }
            }
        }
    }

    private sealed class ShareGroup(Guid shareId, Guid chatId, DateTimeOffset? expires, IDisposable revocations)
    {
        public Guid ShareId { get; } = shareId;
        public Guid ChatId { get; } = chatId;
        public DateTimeOffset? Expires { get; } = expires;
        public IDisposable Revocations { get; } = revocations;
        public HashSet<string> Connections { get; } = [];
    }

    /// <summary>What this node last sent for one chat: the branch and each message's length and status.</summary>
    private sealed class ChatFeed(Guid chatId, IDisposable subscription)
    {
        public Guid ChatId { get; } = chatId;
        public IDisposable Subscription { get; } = subscription;
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public long Version { get; private set; }
        private List<Guid>? branch;
        private readonly Dictionary<Guid, (int Length, MessageStatus Status)> sent = [];

        public ShareUpdate? Diff(ChatThread thread)
        {
            var ids = thread.Branch.Select(m => m.Id).ToList();
            var first = branch is null;
            var reset = branch is not null && !branch.SequenceEqual(ids.Take(branch.Count));
            branch = ids;
            Version = thread.Chat.StreamVersion;
            var deltas = new List<MessageDelta>();
            foreach (var m in thread.Branch)
            {
                var isNew = !sent.TryGetValue(m.Id, out var known);
                sent[m.Id] = (m.Text.Length, m.Status);
                // The first read of a chat starts from nothing: a viewer's page and join already hold that text,
                // and sending it all again from offset 0 is harmless (the overlap is dropped).
                var offset = isNew || first ? 0 : Math.Min(known.Length, m.Text.Length);
                if (!isNew && !first && offset == m.Text.Length && known.Status == m.Status) continue;
                deltas.Add(new MessageDelta(m.Id, Role(m), Status(m), offset, m.Text[offset..],
                    m.Status == MessageStatus.Streaming ? null : ShareHtml.MessageHtml(m.Text), ShareHtml.Speaker(thread, m)));
            }
            return reset || deltas.Count > 0 ? new ShareUpdate(Version, reset, deltas, 0) : null;
        }
    }
}

/// <summary>Runs the broadcaster's access sweep. Resolved late: the host builds hosted services before the database has
/// started, and the broadcaster needs the data source.</summary>
public sealed class ShareAccessSweep(IServiceProvider services) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        services.GetRequiredService<ShareBroadcaster>().SweepAsync(stoppingToken);
}
