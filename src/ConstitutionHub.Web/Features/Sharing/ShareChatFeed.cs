using System.Text;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Streams;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>
/// What this node last sent for one chat: the shared branch at <see cref="Version"/>, with each message's text. New events
/// are applied to it directly, so a token batch becomes a delta without reading the chat again; only what a delta
/// cannot express (a new branch, an event type it does not know) sends it back to the read model.
/// Events reach it from two sides, the local append and the database notification, in any order and twice: both
/// are kept by stream version and applied once, in order.
/// </summary>
internal sealed class ShareChatFeed(Guid chatId, IDisposable subscription)
{
    private readonly Lock pendingGate = new();
    private readonly SortedList<long, StoredEvent> pending = [];
    private readonly List<Line> branch = [];
    private long announced;
    private string chatModelId = "";

    public Guid ChatId { get; } = chatId;
    public string StreamId { get; } = ChatStream.Id(chatId);
    public IDisposable Subscription { get; } = subscription;

    /// <summary>Held while the feed changes: one chat's updates go out one at a time, in version order.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Stream version of the state last sent (or seeded from a viewer's join).</summary>
    public long Version { get; private set; }

    public bool Seeded { get; private set; }

    /// <summary>Events committed by this node, handed over before the database announces them.</summary>
    public void Offer(IReadOnlyList<StoredEvent> events)
    {
        lock (pendingGate)
            foreach (var e in events)
                pending.TryAdd(e.Version, e);
    }

    /// <summary>The database says the stream reached <paramref name="version"/>.</summary>
    public void Announce(long version)
    {
        lock (pendingGate) announced = Math.Max(announced, version);
    }

    /// <summary>Whether something newer than <see cref="Version"/> is known to exist.</summary>
    public bool HasWork
    {
        get
        {
            lock (pendingGate) return announced > Version || (pending.Count > 0 && pending.Keys[^1] > Version);
        }
    }

    /// <summary>
    /// The events in hand that follow <see cref="Version"/> without a hole, and the newest version known to exist.
    /// When <c>Newest</c> lies beyond the last ready event, the rest must be read from the store.
    /// </summary>
    public (List<StoredEvent> Ready, long Newest) TakeReady()
    {
        lock (pendingGate)
        {
            while (pending.Count > 0 && pending.Keys[0] <= Version) pending.RemoveAt(0);
            var ready = new List<StoredEvent>();
            while (pending.Count > 0 && pending.Keys[0] == Version + ready.Count + 1)
            {
                ready.Add(pending.Values[0]);
                pending.RemoveAt(0);
            }
            var newest = Math.Max(announced, pending.Count > 0 ? pending.Keys[^1] : 0);
            return (ready, Math.Max(newest, ready.Count > 0 ? ready[^1].Version : 0));
        }
    }

    /// <summary>Starts from a viewer's join read: that viewer already holds this state, so nothing is sent.</summary>
    public void Seed(ChatThread thread)
    {
        Reset(thread);
        Seeded = true;
    }

    /// <summary>
    /// Applies events that follow <see cref="Version"/> in order. False when one of them changes the branch in a way
    /// a delta cannot carry (an edit or regenerate starts a new branch); the caller then reloads the thread.
    /// </summary>
    public bool TryApply(IReadOnlyList<StoredEvent> events, out ShareUpdate? update)
    {
        update = null;
        var deltas = new List<MessageDelta>();
        foreach (var e in events)
        {
            if (e.Version <= Version) continue;
            if (e.Version != Version + 1 || !TryApply(e, deltas)) return false;
            Version = e.Version;
        }
        if (deltas.Count > 0) update = new ShareUpdate(Version, false, deltas, 0);
        return true;
    }

    private bool TryApply(StoredEvent e, List<MessageDelta> deltas)
    {
        switch (e.Data)
        {
            case UserMessagePosted x:
                if (!Extends(x.ParentMessageId)) return false;
                Add(new Line(x.MessageId, ChatRole.User, MessageStatus.Complete, x.Text, e.Metadata.ActorName), deltas);
                return true;
            case ReplyStarted x:
                if (!Extends(x.ParentMessageId)) return false;
                Add(new Line(x.MessageId, ChatRole.Assistant, MessageStatus.Streaming, "",
                    ShareMessages.AssistantSpeaker(x.Provenance?.Model.Id ?? chatModelId)), deltas);
                return true;
            case ReplyTokensAppended x:
                // A reply on another branch (written while the viewer follows a newer one) changes nothing shown.
                if (Find(x.MessageId) is { } line)
                {
                    var offset = line.Text.Length;
                    line.Text.Append(x.TextDelta);
                    Emit(line, offset, x.TextDelta, deltas);
                }
                return true;
            case ReplyCompleted x:
                Finish(x.MessageId, MessageStatus.Complete, deltas);
                return true;
            case ReplyFailed x:
                Finish(x.MessageId, MessageStatus.Failed, deltas);
                return true;
            case ReplyInterrupted x:
                Finish(x.MessageId, MessageStatus.Interrupted, deltas);
                return true;
            default:
                return false;
        }
    }

    /// <summary>A new message is the newest leaf, so the viewed branch becomes the path to it: a plain extension only
    /// when its parent is the current end.</summary>
    private bool Extends(Guid? parentId) => branch.Count == 0 ? parentId is null : branch[^1].Id == parentId;

    private void Add(Line line, List<MessageDelta> deltas)
    {
        branch.Add(line);
        Emit(line, 0, line.Text.ToString(), deltas);
    }

    private void Finish(Guid messageId, MessageStatus status, List<MessageDelta> deltas)
    {
        if (Find(messageId) is not { } line) return;
        line.Status = status;
        Emit(line, line.Text.Length, "", deltas);
    }

    private Line? Find(Guid messageId)
    {
        // The message written to is nearly always the last one.
        for (var i = branch.Count - 1; i >= 0; i--)
            if (branch[i].Id == messageId) return branch[i];
        return null;
    }

    /// <summary>Adds a delta, joined to the previous one when it continues the same message.</summary>
    private static void Emit(Line line, int offset, string text, List<MessageDelta> deltas)
    {
        var html = line.Status == MessageStatus.Streaming ? null : ShareMessages.Html(line.Text.ToString());
        if (deltas.Count > 0 && deltas[^1] is var last && last.Id == line.Id && last.Offset + last.Text.Length == offset)
        {
            deltas[^1] = last with { Status = Status(line.Status), Text = last.Text + text, Html = html };
            return;
        }
        deltas.Add(new MessageDelta(line.Id, Role(line.Role), Status(line.Status), offset, text, html, line.Speaker));
    }

    /// <summary>
    /// The read model's state against what was sent: each message from where this node left it, or from nothing
    /// when the feed starts or the message is new. A changed branch is a reset and the viewer reloads.
    /// </summary>
    public ShareUpdate? Diff(ChatThread thread)
    {
        var first = !Seeded;
        var before = branch.ToDictionary(l => l.Id, l => (l.Text.Length, l.Status));
        var reset = !first && !branch.Select(l => l.Id).SequenceEqual(thread.Branch.Select(m => m.Id).Take(branch.Count));
        var deltas = new List<MessageDelta>();
        foreach (var m in thread.Branch)
        {
            var isNew = !before.TryGetValue(m.Id, out var known);
            // The first read of a chat starts from nothing: a viewer's page and join already hold that text, and
            // sending it all again from offset 0 is harmless (the overlap is dropped).
            var offset = isNew || first ? 0 : Math.Min(known.Length, m.Text.Length);
            if (!isNew && !first && offset == m.Text.Length && known.Status == m.Status) continue;
            deltas.Add(new MessageDelta(m.Id, Role(m.Role), Status(m.Status), offset, m.Text[offset..],
                m.Status == MessageStatus.Streaming ? null : ShareMessages.Html(m.Text), ShareMessages.Speaker(thread, m)));
        }
        Seed(thread);
        return reset || deltas.Count > 0 ? new ShareUpdate(Version, reset, deltas, 0) : null;
    }

    private void Reset(ChatThread thread)
    {
        chatModelId = thread.Provenance.Model.Id;
        branch.Clear();
        branch.AddRange(thread.Branch.Select(m => new Line(m.Id, m.Role, m.Status, m.Text, ShareMessages.Speaker(thread, m))));
        Version = thread.Chat.StreamVersion;
    }

    internal static string Role(ChatRole role) => role == ChatRole.User ? "user" : "assistant";
    internal static string Status(MessageStatus status) => status.ToString().ToLowerInvariant();

    private sealed class Line(Guid id, ChatRole role, MessageStatus status, string text, string speaker)
    {
        public Guid Id { get; } = id;
        public ChatRole Role { get; } = role;
        public MessageStatus Status { get; set; } = status;
        public StringBuilder Text { get; } = new(text);
        public string Speaker { get; } = speaker;
    }
}
