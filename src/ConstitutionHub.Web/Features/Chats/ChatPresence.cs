using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Web.Features.Chats;

/// <summary>Who has a chat open: signed-in names and a count of everyone else.</summary>
public sealed record Watchers(IReadOnlyList<string> Names, int Others)
{
    public int Total => Names.Count + Others;
}

/// <summary>
/// Who is watching each chat, on every node: one entry per open page here (a person with two tabs, or with pages on
/// two nodes, counts once by name), plus what the other nodes last said through <see cref="ChatControl"/>. Each node
/// sends its complete list of a chat's viewers when it changes and again every heartbeat; another node's list is
/// dropped when that node falls silent for <see cref="ChatControl.ForgetAfter"/>, so a crashed node's viewers go.
/// In memory on purpose: it is a courtesy, not a record, and is gone after a restart.
/// </summary>
public sealed class ChatPresence : BackgroundService
{
    private readonly ChatControl control;
    private readonly ILogger<ChatPresence> logger;
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<Guid, Actor?>> chats = new();
    private readonly ConcurrentDictionary<(Guid Chat, string Node), Remote> remote = new();

    public ChatPresence(ChatControl control, ILogger<ChatPresence> logger)
    {
        (this.control, this.logger) = (control, logger);
        control.Received += OnSignal;
    }

    public event Action<Guid>? Changed;

    public IDisposable Join(Guid chatId, Actor? viewer)
    {
        var key = Guid.NewGuid();
        chats.GetOrAdd(chatId, _ => new())[key] = viewer;
        Changed?.Invoke(chatId);
        Announce(chatId);
        return new Leave(() =>
        {
            if (chats.TryGetValue(chatId, out var viewers))
            {
                viewers.TryRemove(key, out _);
                if (viewers.IsEmpty) chats.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<Guid, Actor?>>(chatId, viewers));
            }
            Changed?.Invoke(chatId);
            Announce(chatId);
        });
    }

    public Watchers Of(Guid chatId)
    {
        var local = chats.TryGetValue(chatId, out var viewers) ? viewers.Values.ToList() : [];
        var named = local.OfType<Actor>().Select(a => new ViewerEntry(a.Id, a.Name)).ToList();
        var others = local.Count(a => a is null);
        var now = Stopwatch.GetTimestamp();
        foreach (var ((chat, _), entry) in remote)
        {
            if (chat != chatId || Stopwatch.GetElapsedTime(entry.Seen, now) > ChatControl.ForgetAfter) continue;
            named.AddRange(entry.Viewers);
            others += entry.Anonymous;
        }
        var names = named.DistinctBy(v => v.Id).Select(v => v.Name).Order(StringComparer.CurrentCulture).ToList();
        return new Watchers(names, others);
    }

    /// <summary>This node's viewers of a chat, as the other nodes get them: complete, and small enough for one
    /// notification (past that, the rest count as unnamed).</summary>
    internal PresenceSignal LocalSignal(Guid chatId)
    {
        var local = chats.TryGetValue(chatId, out var viewers) ? viewers.Values.ToList() : [];
        var named = local.OfType<Actor>().DistinctBy(a => a.Id)
            .Select(a => new ViewerEntry(Clip(a.Id), Clip(a.Name))).ToList();
        var anonymous = local.Count(a => a is null);
        var budget = ChatControl.MaxPayloadBytes - 300;
        var kept = new List<ViewerEntry>();
        foreach (var v in named)
        {
            var size = Encoding.UTF8.GetByteCount(v.Id) * 6 + Encoding.UTF8.GetByteCount(v.Name) * 6 + 20; // worst case: every character escaped
            if (kept.Count >= PresenceSignal.MaxViewers || size > budget) { anonymous++; continue; }
            budget -= size;
            kept.Add(v);
        }
        return new PresenceSignal(control.NodeName, chatId, kept, anonymous);
    }

    private static string Clip(string s) => s.Length <= PresenceSignal.MaxField ? s : s[..PresenceSignal.MaxField];

    private void Announce(Guid chatId) => control.Post(LocalSignal(chatId));

    private void OnSignal(ChatSignal signal)
    {
        switch (signal)
        {
            case PresenceSignal p when p.Viewers.Count == 0 && p.Anonymous == 0:
                if (remote.TryRemove((p.ChatId, p.Node), out _)) Changed?.Invoke(p.ChatId);
                break;
            case PresenceSignal p:
                var before = remote.TryGetValue((p.ChatId, p.Node), out var old) ? old : null;
                remote[(p.ChatId, p.Node)] = new Remote(p.Viewers, p.Anonymous, Stopwatch.GetTimestamp());
                // A heartbeat that says nothing new re-renders no page.
                if (before is null || before.Anonymous != p.Anonymous || !before.Viewers.SequenceEqual(p.Viewers)) Changed?.Invoke(p.ChatId);
                break;
            case NodeGoneSignal gone:
                foreach (var key in remote.Keys.Where(k => k.Node == gone.Node).ToList())
                    if (remote.TryRemove(key, out _)) Changed?.Invoke(key.Chat);
                break;
        }
    }

    /// <summary>Repeats this node's viewers every heartbeat and forgets the silent nodes' ones.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        var lastBeat = Stopwatch.GetTimestamp();
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (Stopwatch.GetElapsedTime(lastBeat) >= ChatControl.HeartbeatEvery)
                {
                    lastBeat = Stopwatch.GetTimestamp();
                    foreach (var chatId in chats.Keys) Announce(chatId);
                }
                ForgetSilentNodes();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void ForgetSilentNodes()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var (key, entry) in remote)
        {
            if (Stopwatch.GetElapsedTime(entry.Seen, now) <= ChatControl.ForgetAfter) continue;
            if (remote.TryRemove(new KeyValuePair<(Guid, string), Remote>(key, entry)))
            {
                logger.LogDebug("Node {Node} fell silent; its viewers of chat {Chat} are forgotten", key.Node, key.Chat);
                Changed?.Invoke(key.Chat);
            }
        }
    }

    public override void Dispose()
    {
        control.Received -= OnSignal;
        base.Dispose();
    }

    private sealed record Remote(IReadOnlyList<ViewerEntry> Viewers, int Anonymous, long Seen);

    private sealed class Leave(Action leave) : IDisposable
    {
        private int disposed;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) == 0) leave();
        }
    }
}
