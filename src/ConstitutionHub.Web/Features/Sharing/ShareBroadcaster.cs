using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Infrastructure.Nodes;
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
/// Fans chat appends out to live share viewers. An append made on this node is handed over by the event store right
/// after its commit; an append made on any other node arrives as the store's notification (through
/// <see cref="NodeBus"/>), which carries small appends' events; larger ones, and any version this node missed, are
/// read from the stream since the last version sent. Either
/// way the events are applied to what this node last sent for the chat (<see cref="ShareChatFeed"/>), once each and
/// in version order, and every viewing group gets the same delta. Revocation travels as the commit notice of the link's
/// stream (its revocation event); an expiry is a timer; a notice missed while the node's bus was down is caught by a
/// re-check on reconnect and by a slow sweep. Every viewer connection counts in <see cref="NodePresence"/> (topic
/// <see cref="PresenceTopic"/>), so the count a link's viewers see covers every node.
/// </summary>
public sealed class ShareBroadcaster : IDisposable
{
    private readonly IHubContext<ShareHub> hub;
    private readonly NodeBus bus;
    private readonly NodePresence presence;
    private readonly ChatQueries chats;
    private readonly EventStreams store;
    private readonly CommitAnnouncer commits;
    private readonly ShareLinks links;
    private readonly TimeProvider time;
    private readonly ILogger<ShareBroadcaster> logger;
    private readonly IDisposable localCommits;
    private readonly IDisposable reconnects;
    private readonly Lock gate = new();
    private readonly Dictionary<string, Viewer> viewers = [];
    private readonly Dictionary<Guid, ShareGroup> groups = [];
    private readonly Dictionary<Guid, ShareChatFeed> feeds = [];

    public ShareBroadcaster(IHubContext<ShareHub> hub, NodeBus bus, NodePresence presence, ChatQueries chats, EventStreams store,
        CommitAnnouncer commits, ShareLinks links, TimeProvider time, ILogger<ShareBroadcaster> logger)
    {
        (this.hub, this.bus, this.presence, this.chats, this.store, this.commits, this.links, this.time, this.logger) =
            (hub, bus, presence, chats, store, commits, links, time, logger);
        localCommits = commits.OnCommitted(OnCommitted);
        // Revocations announced while the bus was down were missed: check every open link again.
        reconnects = bus.OnReconnected(() => _ = CheckOpenLinksAsync(CancellationToken.None));
    }

    public void Dispose()
    {
        reconnects.Dispose();
        localCommits.Dispose();
    }

    public static string GroupName(Guid shareId) => $"share-{shareId:N}";
    public static string RevocationStream(Guid shareId) => ShareLinkStream.Id(shareId);
    public static string PresenceTopic(Guid shareId) => ShareLinkStream.Id(shareId);

    public async Task<ShareUpdate> JoinAsync(HubCallerContext context, ResolvedShare share)
    {
        ShareChatFeed chatFeed;
        lock (gate)
        {
            if (!groups.TryGetValue(share.ShareId, out var group)) group = groups[share.ShareId] = OpenGroup(share);
            group.Connections.Add(context.ConnectionId);
            if (!feeds.TryGetValue(share.ChatId, out chatFeed!))
                chatFeed = feeds[share.ChatId] = new ShareChatFeed(share.ChatId,
                    bus.Subscribe(ChatStream.Id(share.ChatId), changed => OnNotifiedAsync(share.ChatId, changed)));
        }
        await hub.Groups.AddToGroupAsync(context.ConnectionId, GroupName(share.ShareId), context.ConnectionAborted);
        // Counted once in the group: the count the join sends reaches this viewer too.
        lock (gate) viewers[context.ConnectionId] = new Viewer(context, share.ShareId, presence.Join(PresenceTopic(share.ShareId), null));
        // Read after joining the group: an append landing now reaches this viewer either here or as a delta.
        var thread = await chats.ThreadAsync(share.ChatId, ct: context.ConnectionAborted);
        var count = ViewerCount(share.ShareId);
        if (thread is null) return new ShareUpdate(0, true, [], count);
        await SeedAsync(chatFeed, thread);
        return new ShareUpdate(thread.Chat.StreamVersion, false, thread.Branch.Select(m => Full(thread, m)).ToList(), count);
    }

    /// <summary>A chat's first viewer on this node starts its feed from the join read, so the first append costs no
    /// second read. Skipped when the feed is busy: it then starts from its own read.</summary>
    private async Task SeedAsync(ShareChatFeed chatFeed, ChatThread thread)
    {
        if (chatFeed.Seeded || !await chatFeed.Gate.WaitAsync(0)) return;
        try
        {
            if (!chatFeed.Seeded) chatFeed.Seed(thread);
        }
        finally
        {
            chatFeed.Gate.Release();
        }
        // Events that came while the join was reading wait in the feed.
        if (chatFeed.HasWork) _ = PublishAsync(chatFeed);
    }

    /// <summary>A link's first viewer on this node: listen for its revocation, watch its viewer count on every node
    /// (sent to the group as it changes) and set a timer for its expiry. Called under the gate.</summary>
    private ShareGroup OpenGroup(ResolvedShare share)
    {
        var shareId = share.ShareId;
        var subscriptions = new List<IDisposable>
        {
            bus.Subscribe(RevocationStream(shareId), _ => EndAsync(shareId)),
            presence.Watch(PresenceTopic(shareId), watchers => _ = hub.Clients.Group(GroupName(shareId)).SendAsync("viewers", watchers.Total)),
        };
        if (share.Expires is { } expires)
        {
            var due = expires - time.GetUtcNow();
            subscriptions.Add(time.CreateTimer(_ => _ = EndAsync(shareId), null, due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan));
        }
        return new ShareGroup(shareId, share.ChatId, share.Expires, subscriptions);
    }

    public void Leave(string connectionId)
    {
        lock (gate)
        {
            if (!viewers.Remove(connectionId, out var viewer)) return;
            viewer.Counted.Dispose();
            if (groups.TryGetValue(viewer.ShareId, out var group))
            {
                group.Connections.Remove(connectionId);
                if (group.Connections.Count == 0) RemoveGroup(group);
            }
        }
    }

    /// <summary>Viewers of a link on this node and on every other node that has spoken lately.</summary>
    public int ViewerCount(Guid shareId) => presence.Of(PresenceTopic(shareId)).Total;

    /// <summary>Tells the viewers of a link it is gone and drops their connections: a revoked link shows nothing more.</summary>
    public async Task EndAsync(Guid shareId)
    {
        List<HubCallerContext> dropped;
        lock (gate)
        {
            if (!groups.TryGetValue(shareId, out var group)) return;
            dropped = [];
            foreach (var c in group.Connections)
                if (viewers.Remove(c, out var viewer))
                {
                    viewer.Counted.Dispose();
                    dropped.Add(viewer.Context);
                }
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
        foreach (var subscription in group.Subscriptions) subscription.Dispose();
        if (groups.Values.Any(g => g.ChatId == group.ChatId)) return;
        if (feeds.Remove(group.ChatId, out var chatFeed)) chatFeed.Subscription.Dispose();
    }

    /// <summary>An append committed by this node: its events go to the chat's feed now, not after the database's echo.</summary>
    private void OnCommitted(IReadOnlyList<StoredEvent> events)
    {
        var stream = events[0].StreamId;
        if (!stream.StartsWith("chat-", StringComparison.Ordinal) || !Guid.TryParseExact(stream.AsSpan(5), "N", out var chatId)) return;
        ShareChatFeed? chatFeed;
        lock (gate) feeds.TryGetValue(chatId, out chatFeed);
        if (chatFeed is null) return;
        chatFeed.Offer(events);
        // Off the appending caller's path: it is the reply runner, and must not wait for viewers.
        _ = Task.Run(() => PublishAsync(chatFeed));
    }

    /// <summary>The database says a chat's stream moved (an append on any node, this one included). A small append's
    /// events come with the notice, so another node's token batch costs this node no query.</summary>
    private Task OnNotifiedAsync(Guid chatId, StreamChanged changed)
    {
        ShareChatFeed? chatFeed;
        lock (gate) feeds.TryGetValue(chatId, out chatFeed);
        if (chatFeed is null) return Task.CompletedTask;
        if (changed.Version > chatFeed.Version && commits.EventsOf(changed) is { } events) chatFeed.Offer(events);
        chatFeed.Announce(changed.Version);
        return PublishAsync(chatFeed);
    }

    /// <summary>Sends what changed since the feed's version. Serialised per chat: local hand-overs and notifications
    /// arrive on the thread pool in any order, and the feed applies each version once, so a late or doubled one sends
    /// nothing and costs no query.</summary>
    private async Task PublishAsync(ShareChatFeed chatFeed)
    {
        await chatFeed.Gate.WaitAsync();
        try
        {
            var update = await NextUpdateAsync(chatFeed);
            if (update is null) return;
            List<Guid> shareIds;
            lock (gate) shareIds = groups.Values.Where(g => g.ChatId == chatFeed.ChatId).Select(g => g.ShareId).ToList();
            foreach (var shareId in shareIds)
                await hub.Clients.Group(GroupName(shareId)).SendAsync("update", update with { Viewers = ViewerCount(shareId) });
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // Viewers see the next update with a gap and reload the page; nothing is lost.
            logger.LogWarning(e, "Could not publish chat {ChatId} to its share viewers", chatFeed.ChatId);
        }
        finally
        {
            chatFeed.Gate.Release();
        }
    }

    private async Task<ShareUpdate?> NextUpdateAsync(ShareChatFeed chatFeed)
    {
        if (!chatFeed.Seeded) return await ReloadAsync(chatFeed);
        var (events, newest) = chatFeed.TakeReady();
        if (newest <= chatFeed.Version) return null;
        // A hole: an append of another node whose events this node was not handed. Read just what follows.
        var last = events.Count > 0 ? events[^1].Version : chatFeed.Version;
        if (last < newest) events.AddRange(await store.ReadStreamAsync(chatFeed.StreamId, last + 1));
        return chatFeed.TryApply(events, out var update) ? update : await ReloadAsync(chatFeed);
    }

    /// <summary>The whole thread from the read model: a feed's start, and a new branch.</summary>
    private async Task<ShareUpdate?> ReloadAsync(ShareChatFeed chatFeed)
    {
        var thread = await chats.ThreadAsync(chatFeed.ChatId);
        if (thread is null || (chatFeed.Seeded && thread.Chat.StreamVersion <= chatFeed.Version)) return null;
        return chatFeed.Diff(thread);
    }

    internal static MessageDelta Full(ChatThread thread, ChatMessageRow m) =>
        new(m.Id, ShareChatFeed.Role(m.Role), ShareChatFeed.Status(m.Status), 0, m.Text,
            m.Status == MessageStatus.Streaming ? null : ShareMessages.Html(m.Text), ShareMessages.Speaker(thread, m));

    /// <summary>Checks every open link against the database: a revocation whose notice this node missed (its bus
    /// was down, or the revoking node died between commit and notice) ends the link's live view.</summary>
    public async Task CheckOpenLinksAsync(CancellationToken ct)
    {
        List<ShareGroup> open;
        lock (gate) open = groups.Values.ToList();
        foreach (var group in open)
        {
            try
            {
                var expired = group.Expires is { } e && e <= time.GetUtcNow();
                if (expired || (await links.LinkAsync(group.ShareId, ct))?.State != ShareState.Active)
                    await EndAsync(group.ShareId);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
            {
                logger.LogWarning(e, "Could not check share link {ShareId}; the next sweep tries again", group.ShareId);
            }
        }
    }

    private sealed record Viewer(HubCallerContext Context, Guid ShareId, IDisposable Counted);

    private sealed class ShareGroup(Guid shareId, Guid chatId, DateTimeOffset? expires, IReadOnlyList<IDisposable> subscriptions)
    {
        public Guid ShareId { get; } = shareId;
        public Guid ChatId { get; } = chatId;
        public DateTimeOffset? Expires { get; } = expires;
        /// <summary>Its revocation notices, viewer count and expiry timer.</summary>
        public IReadOnlyList<IDisposable> Subscriptions { get; } = subscriptions;
        public HashSet<string> Connections { get; } = [];
    }
}

/// <summary>The slow safety sweep over open links (<see cref="SharingOptions.AccessCheckInterval"/>): revocations
/// normally end a live view at once through their commit notice, expiries through a timer.</summary>
public sealed class ShareAccessSweep(ShareBroadcaster broadcaster, IOptions<SharingOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.AccessCheckInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await broadcaster.CheckOpenLinksAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
