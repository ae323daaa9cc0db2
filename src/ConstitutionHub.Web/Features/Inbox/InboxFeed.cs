using System.Collections.Concurrent;
using ConstitutionHub.Core.Watching;
using ConstitutionHub.Web.Infrastructure.Nodes;

namespace ConstitutionHub.Web.Features.Inbox;

/// <summary>A person's inbox changed: new notifications (sent by <see cref="NotificationProjection"/> from the
/// database, as node <see cref="NotificationProjection.Sender"/>) or some were marked read (sent by a web node).</summary>
public sealed record InboxChanged(string Node, string Person) : NodeMessage(Node)
{
    public override string? Problem() => base.Problem() ?? (string.IsNullOrWhiteSpace(Person) || Person.Length > 200 ? "person missing" : null);
}

/// <summary>
/// Tells every badge and inbox page of a person, on every web node, that their inbox changed. New notifications are
/// announced by the daemon's transaction itself (whichever node runs it), so every node hears them; a node marking
/// notifications read tells its own pages at once and the other nodes through the node bus.
/// </summary>
public sealed class InboxFeed : IDisposable
{
    public static readonly NodeChannel<InboxChanged> Channel = new(NotificationProjection.Channel);

    private readonly NodeBus bus;
    private readonly ILogger<InboxFeed> logger;
    private readonly ConcurrentDictionary<Guid, (string? Person, Func<string, Task> Handler)> subscribers = new();
    private readonly IDisposable subscription;

    public InboxFeed(NodeBus bus, ILogger<InboxFeed> logger)
    {
        this.bus = bus;
        this.logger = logger;
        subscription = bus.Subscribe(Channel, changed => Tell(changed.Person));
    }

    public IDisposable Subscribe(string personId, Func<Task> handler) => Add(personId, _ => handler());

    /// <summary>Hears every person's changes (the mailer), with the person's id.</summary>
    public IDisposable SubscribeAll(Func<string, Task> handler) => Add(null, handler);

    private Subscription Add(string? personId, Func<string, Task> handler)
    {
        var key = Guid.NewGuid();
        subscribers[key] = (personId, handler);
        return new Subscription(() => subscribers.TryRemove(key, out _));
    }

    public void Announce(string personId)
    {
        Tell(personId);
        bus.Post(Channel, new InboxChanged(bus.NodeName, personId));
    }

    private void Tell(string personId)
    {
        foreach (var (_, (person, handler)) in subscribers)
        {
            if (person is not null && person != personId) continue;
            _ = Task.Run(async () =>
            {
                try { await handler(personId); }
                catch (Exception e) { logger.LogDebug(e, "An inbox subscriber failed"); }
            });
        }
    }

    public void Dispose() => subscription.Dispose();
}
