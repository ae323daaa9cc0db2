using System.Text;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Web.Infrastructure.Nodes;

/// <summary>Who has a topic open: signed-in people (by name, with what they are doing there) and a count of everyone else.</summary>
public sealed record Watchers(IReadOnlyList<Present> People, int Others)
{
    public static readonly Watchers Nobody = new([], 0);
    public IReadOnlyList<string> Names => [.. People.Select(p => p.Name)];
    public int Total => People.Count + Others;
}

/// <summary>A signed-in person on a topic (<paramref name="Id"/> tells a page its own viewer); <paramref name="Activity"/> is what the page says they do ("editing: Honesty"), if anything.</summary>
public sealed record Present(string Id, string Name, string? Activity);

/// <summary>A signed-in viewer: the id keeps a person with pages on two nodes counted once.</summary>
public sealed record ViewerEntry(string Id, string Name, string? Activity = null);

/// <summary>One page's place on a topic: dispose to leave; <see cref="Doing"/> changes what it says the person does.</summary>
public interface IPresence : IDisposable
{
    void Doing(string? activity);
}

/// <summary>Everyone on a topic on the sending node, complete (not a change): sent when it changes and as a heartbeat.
/// No viewers and no anonymous ones: the node has nobody on that topic any more.</summary>
public sealed record PresenceMessage(string Node, string Topic, IReadOnlyList<ViewerEntry> Viewers, int Anonymous) : NodeMessage(Node)
{
    public const int MaxViewers = 100;
    public const int MaxField = 200;

    public override string? Problem()
    {
        if (base.Problem() is { } problem) return problem;
        if (string.IsNullOrEmpty(Topic) || Topic.Length > MaxField) return "topic missing or too long";
        // Null despite the annotation when a payload leaves the list out.
        if (Viewers is not { Count: <= MaxViewers } viewers) return "viewer list missing or too long";
        if (viewers.Any(v => v is null || string.IsNullOrEmpty(v.Id) || v.Id.Length > MaxField || string.IsNullOrEmpty(v.Name) || v.Name.Length > MaxField
                || v.Activity is { Length: > MaxField }))
            return "a viewer without id or name, or with an id, name or activity too long";
        return Anonymous is < 0 or > 1_000_000 ? "anonymous count out of range" : null;
    }
}

/// <summary>
/// Who is on a topic (a chat, a share link, a constitution being read or edited), across every node: one entry per
/// open page or connection here (a person with two tabs, or with pages on two nodes, counts once by id), plus what
/// the other nodes last said. Each node sends its complete list for a topic when it changes and again every
/// heartbeat; another node's list goes when that node says goodbye or falls silent (<see cref="NodeReports{TKey,TValue}"/>).
/// A topic is any short string a feature chooses, such as a stream id.
/// </summary>
public sealed class NodePresence : IDisposable
{
    public static readonly NodeChannel<PresenceMessage> Channel = new("hub_presence");

    private readonly NodeBus bus;
    private readonly ILogger<NodePresence> logger;
    private readonly Lock gate = new();
    private readonly Dictionary<string, Dictionary<Guid, Place>> local = [];
    private readonly Dictionary<string, List<Action<Watchers>>> watchers = [];
    private readonly NodeReports<string, Remote> remote;
    private readonly IDisposable[] subscriptions;

    public NodePresence(NodeBus bus, NodeHeartbeat heartbeat, ILogger<NodePresence> logger)
    {
        (this.bus, this.logger) = (bus, logger);
        remote = new NodeReports<string, Remote>(heartbeat.Time, new RemoteComparer());
        subscriptions =
        [
            bus.Subscribe(Channel, OnMessage),
            bus.OnNodeGone(node => Changed(Topics(remote.ForgetNode(node)))),
            bus.OnReconnected(AnnounceAll),
            heartbeat.Subscribe(() =>
            {
                AnnounceAll();
                Changed(Topics(remote.ForgetSilent()));
            }),
        ];
    }

    /// <summary>Counts <paramref name="viewer"/> (null: anonymous) on a topic until the result is disposed; a signed-in
    /// viewer's <paramref name="activity"/> travels with their name (anonymous viewers are only counted).</summary>
    public IPresence Join(string topic, Actor? viewer, string? activity = null)
    {
        CheckTopic(topic);
        var key = Guid.NewGuid();
        Put(topic, key, new Place(viewer, Clip(activity)));
        return new Joined(this, topic, key, viewer);
    }

    private void Put(string topic, Guid key, Place place)
    {
        lock (gate)
        {
            if (!local.TryGetValue(topic, out var here)) local[topic] = here = [];
            if (here.TryGetValue(key, out var was) && was == place) return;
            here[key] = place;
            Announce(topic);
        }
        Changed([topic]);
    }

    private void Leave(string topic, Guid key)
    {
        lock (gate)
        {
            if (local.TryGetValue(topic, out var here) && here.Remove(key) && here.Count == 0) local.Remove(topic);
            Announce(topic);
        }
        Changed([topic]);
    }

    private sealed record Place(Actor? Viewer, string? Activity);

    private sealed class Joined(NodePresence presence, string topic, Guid key, Actor? viewer) : IPresence
    {
        // A change racing the page's leaving must not bring its place back.
        private readonly Lock gate = new();
        private bool left;

        public void Doing(string? activity)
        {
            lock (gate)
                if (!left) presence.Put(topic, key, new Place(viewer, Clip(activity)));
        }

        public void Dispose()
        {
            lock (gate)
            {
                if (left) return;
                left = true;
                presence.Leave(topic, key);
            }
        }
    }

    /// <summary>Calls <paramref name="changed"/> with the new watchers of a topic whenever they change, on any node,
    /// until the result is disposed. It runs on the thread that noticed: marshal to your own (InvokeAsync) and return.</summary>
    public IDisposable Watch(string topic, Action<Watchers> changed)
    {
        CheckTopic(topic);
        lock (gate)
        {
            if (!watchers.TryGetValue(topic, out var list)) watchers[topic] = list = [];
            list.Add(changed);
        }
        return new Subscription(() =>
        {
            lock (gate)
                if (watchers.TryGetValue(topic, out var list) && list.Remove(changed) && list.Count == 0) watchers.Remove(topic);
        });
    }

    public Watchers Of(string topic)
    {
        List<Place> here;
        lock (gate) here = local.TryGetValue(topic, out var viewers) ? [.. viewers.Values] : [];
        var named = Named(here);
        var others = here.Count(p => p.Viewer is null);
        foreach (var (_, report) in remote.Of(topic))
        {
            named.AddRange(report.Viewers);
            others += report.Anonymous;
        }
        if (named.Count == 0 && others == 0) return Watchers.Nobody;
        var people = OnePerPerson(named).Select(v => new Present(v.Id, v.Name, v.Activity)).OrderBy(p => p.Name, StringComparer.CurrentCulture).ToList();
        return new Watchers(people, others);
    }

    private static List<ViewerEntry> Named(IEnumerable<Place> places) =>
        places.Where(p => p.Viewer is not null).Select(p => new ViewerEntry(p.Viewer!.Id, p.Viewer.Name, p.Activity)).ToList();

    /// <summary>A person with several pages on a topic (tabs, nodes) shows once, with what one of them says they do:
    /// a page that names an activity ("editing: Honesty") tells more than one that does not.</summary>
    private static IEnumerable<ViewerEntry> OnePerPerson(IEnumerable<ViewerEntry> entries) =>
        entries.GroupBy(v => v.Id).Select(g => g.OrderBy(v => v.Activity is null).ThenBy(v => v.Activity, StringComparer.Ordinal).First());

    /// <summary>This node's viewers of a topic as the other nodes get them: complete, and small enough for one
    /// notification (past that, the rest count as unnamed). Called under the gate.</summary>
    internal PresenceMessage LocalMessage(string topic)
    {
        var here = local.TryGetValue(topic, out var viewers) ? viewers.Values.ToList() : [];
        var named = OnePerPerson(Named(here)).Select(v => v with { Id = Clip(v.Id)!, Name = Clip(v.Name)! }).ToList();
        var anonymous = here.Count(p => p.Viewer is null);
        var budget = NodeChannel<PresenceMessage>.MaxPayloadBytes - 300 - Encoding.UTF8.GetByteCount(topic) * 6;
        var kept = new List<ViewerEntry>();
        foreach (var v in named)
        {
            // Worst case: every character escaped.
            var size = (Encoding.UTF8.GetByteCount(v.Id) + Encoding.UTF8.GetByteCount(v.Name) + Encoding.UTF8.GetByteCount(v.Activity ?? "")) * 6 + 40;
            if (kept.Count >= PresenceMessage.MaxViewers || size > budget) { anonymous++; continue; }
            budget -= size;
            kept.Add(v);
        }
        return new PresenceMessage(bus.NodeName, topic, kept, anonymous);
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(s))]
    private static string? Clip(string? s) => s is null || s.Length <= PresenceMessage.MaxField ? s : s[..PresenceMessage.MaxField];

    private static void CheckTopic(string topic)
    {
        if (string.IsNullOrEmpty(topic) || topic.Length > PresenceMessage.MaxField)
            throw new ArgumentException($"A presence topic is 1 to {PresenceMessage.MaxField} characters.", nameof(topic));
    }

    /// <summary>Posted under the gate, so a topic's lists leave in the order they changed and the last one heard is
    /// the current one.</summary>
    private void Announce(string topic) => bus.Post(Channel, LocalMessage(topic));

    private void AnnounceAll()
    {
        lock (gate)
            foreach (var topic in local.Keys) Announce(topic);
    }

    private void OnMessage(PresenceMessage message)
    {
        var changed = message.Viewers.Count == 0 && message.Anonymous == 0
            ? remote.Remove(message.Node, message.Topic)
            : remote.Put(message.Node, message.Topic, new Remote(message.Viewers, message.Anonymous));
        if (changed) Changed([message.Topic]);
    }

    private static List<string> Topics(IReadOnlyList<(string Topic, Remote Report)> forgotten) => forgotten.Select(f => f.Topic).Distinct().ToList();

    private void Changed(IReadOnlyList<string> topics)
    {
        foreach (var topic in topics)
        {
            Action<Watchers>[] handlers;
            lock (gate) handlers = watchers.TryGetValue(topic, out var list) ? [.. list] : [];
            if (handlers.Length == 0) continue;
            var now = Of(topic);
            foreach (var handler in handlers)
            {
                try { handler(now); }
                catch (Exception e) { logger.LogWarning(e, "A watcher of {Topic} failed", topic); }
            }
        }
    }

    public void Dispose()
    {
        foreach (var subscription in subscriptions) subscription.Dispose();
    }

    private sealed record Remote(IReadOnlyList<ViewerEntry> Viewers, int Anonymous);

    private sealed class RemoteComparer : IEqualityComparer<Remote>
    {
        public bool Equals(Remote? x, Remote? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Anonymous == y.Anonymous && x.Viewers.SequenceEqual(y.Viewers));

        public int GetHashCode(Remote obj) => obj.Anonymous;
    }
}
