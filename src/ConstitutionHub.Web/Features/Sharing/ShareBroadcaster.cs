using System.Diagnostics;
using System.Text.Json;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Streams;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Features.Chats;
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
/// Fans chat appends out to live share viewers. An append made on this node is handed over by the event store right
/// after its commit; an append made on any other node arrives as the store's notification (through
/// <see cref="ChangeFeed"/>), which carries small appends' events; larger ones, and any version this node missed, are
/// read from the stream since the last version sent. Either
/// way the events are applied to what this node last sent for the chat (<see cref="ShareChatFeed"/>), once each and
/// in version order, and every viewing group gets the same delta. Revocation travels as the commit notice of the link's
/// stream (its revocation event), and a sweep checks open links against the database for expiries and missed notices.
/// The viewer count covers every node: each node tells the others its own count per link through
/// <see cref="ChatControl"/> when it changes and every heartbeat, and adds theirs (<see cref="RemoteShareViewers"/>).
/// </summary>
public sealed class ShareBroadcaster : IDisposable
{
    private readonly IHubContext<ShareHub> hub;
    private readonly ChangeFeed feed;
    private readonly ChatQueries chats;
    private readonly EventStreams store;
    private readonly CommitAnnouncer commits;
    private readonly ShareLinks links;
    private readonly IOptions<SharingOptions> options;
    private readonly ILogger<ShareBroadcaster> logger;
    private readonly ChatControl control;
    private readonly RemoteShareViewers remote = new();
    private readonly IDisposable localCommits;
    private readonly Lock gate = new();
    private readonly Dictionary<string, (HubCallerContext Context, Guid ShareId)> viewers = [];
    private readonly Dictionary<Guid, ShareGroup> groups = [];
    private readonly Dictionary<Guid, ShareChatFeed> feeds = [];

    public ShareBroadcaster(
        IHubContext<ShareHub> hub, ChangeFeed feed, ChatQueries chats, EventStreams store, CommitAnnouncer commits, ShareLinks links,
        IOptions<SharingOptions> options, ChatControl control, ILogger<ShareBroadcaster> logger)
    {
        (this.hub, this.feed, this.chats, this.store, this.commits, this.links, this.options, this.control, this.logger) =
            (hub, feed, chats, store, commits, links, options, control, logger);
        localCommits = commits.OnCommitted(OnCommitted);
        control.Received += OnSignal;
    }

    public void Dispose()
    {
        control.Received -= OnSignal;
        localCommits.Dispose();
    }

    public static string GroupName(Guid shareId) => $"share-{shareId:N}";
    public static string RevocationStream(Guid shareId) => ShareLinkStream.Id(shareId);

    public async Task<ShareUpdate> JoinAsync(HubCallerContext context, ResolvedShare share)
    {
        ShareChatFeed chatFeed;
        lock (gate)
        {
            viewers[context.ConnectionId] = (context, share.ShareId);
            if (!groups.TryGetValue(share.ShareId, out var group))
            {
                group = groups[share.ShareId] = new ShareGroup(share.ShareId, share.ChatId, share.Expires,
                    feed.Subscribe(RevocationStream(share.ShareId), _ => EndAsync(share.ShareId)));
            }
            group.Connections.Add(context.ConnectionId);
            AnnounceCount(group.ShareId, group.Connections.Count);
            if (!feeds.TryGetValue(share.ChatId, out chatFeed!))
                chatFeed = feeds[share.ChatId] = new ShareChatFeed(share.ChatId,
                    feed.Subscribe(ChatStream.Id(share.ChatId), changed => OnNotifiedAsync(share.ChatId, changed)));
        }
        await hub.Groups.AddToGroupAsync(context.ConnectionId, GroupName(share.ShareId), context.ConnectionAborted);
        // Read after joining the group: an append landing now reaches this viewer either here or as a delta.
        var thread = await chats.ThreadAsync(share.ChatId, ct: context.ConnectionAborted);
        var count = ViewerCount(share.ShareId);
        await hub.Clients.Group(GroupName(share.ShareId)).SendAsync("viewers", count);
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
                AnnounceCount(shareId, group.Connections.Count);
                if (group.Connections.Count == 0) RemoveGroup(group);
            }
        }
        _ = hub.Clients.Group(GroupName(shareId)).SendAsync("viewers", ViewerCount(shareId));
    }

    /// <summary>Viewers of a link on this node and on every other node that has spoken lately.</summary>
    public int ViewerCount(Guid shareId) => LocalCount(shareId) + remote.Total(shareId);

    private int LocalCount(Guid shareId)
    {
        lock (gate) return groups.TryGetValue(shareId, out var g) ? g.Connections.Count : 0;
    }

    /// <summary>Tells the other nodes this node's count of a link. Posted under the gate, so counts leave in the order
    /// they changed and the last one heard is the current one.</summary>
    private void AnnounceCount(Guid shareId, int count) =>
        control.Post(new ShareViewersSignal(control.NodeName, shareId, Math.Min(count, ShareViewersSignal.MaxCount)));

    /// <summary>Another node's count changed (or it left): this node's viewers of the link get the new total.</summary>
    private void OnSignal(ChatSignal signal)
    {
        IReadOnlyList<Guid> changed = signal switch
        {
            ShareViewersSignal s => remote.Apply(s) ? [s.ShareId] : [],
            NodeGoneSignal gone => remote.ForgetNode(gone.Node),
            _ => [],
        };
        SendCounts(changed);
    }

    private void SendCounts(IReadOnlyList<Guid> shareIds)
    {
        foreach (var shareId in shareIds)
        {
            // Nobody here watches it: nobody to tell.
            if (LocalCount(shareId) == 0) continue;
            _ = hub.Clients.Group(GroupName(shareId)).SendAsync("viewers", ViewerCount(shareId));
        }
    }

    /// <summary>Repeats this node's counts every heartbeat, so a lost notification or a node that joined later
    /// catches up, and forgets the counts of nodes that fell silent.</summary>
    public async Task HeartbeatAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var lastBeat = Stopwatch.GetTimestamp();
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (Stopwatch.GetElapsedTime(lastBeat) >= ChatControl.HeartbeatEvery)
            {
                lastBeat = Stopwatch.GetTimestamp();
                lock (gate)
                    foreach (var group in groups.Values) AnnounceCount(group.ShareId, group.Connections.Count);
            }
            SendCounts(remote.ForgetSilent());
        }
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
            AnnounceCount(shareId, 0);
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
            m.Status == MessageStatus.Streaming ? null : ShareHtml.MessageHtml(m.Text), ShareHtml.Speaker(thread, m));

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
}

/// <summary>Runs the broadcaster's access sweep and its viewer-count heartbeat. Resolved late: the host builds hosted services before the database has
/// started, and the broadcaster needs the data source.</summary>
public sealed class ShareAccessSweep(IServiceProvider services) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var broadcaster = services.GetRequiredService<ShareBroadcaster>();
        try
        {
            await Task.WhenAll(broadcaster.SweepAsync(stoppingToken), broadcaster.HeartbeatAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
