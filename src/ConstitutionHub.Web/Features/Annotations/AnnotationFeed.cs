using System.Collections.Concurrent;
using ConstitutionHub.Web.Infrastructure.Nodes;

namespace ConstitutionHub.Web.Features.Annotations;

/// <summary>The annotations of a constitution changed (on the sending node).</summary>
public sealed record AnnotationsChanged(string Node, Guid Constitution) : NodeMessage(Node)
{
    public override string? Problem() => base.Problem() ?? (Constitution == Guid.Empty ? "constitution missing" : null);
}

/// <summary>
/// Tells every reader of a constitution, on every web node, that its annotations changed: the pages reading it on
/// this node at once, the other nodes through the node bus. (Annotation streams are one per thread, so a page cannot
/// follow them by stream id the way it follows a chat.)
/// </summary>
public sealed class AnnotationFeed : IDisposable
{
    public static readonly NodeChannel<AnnotationsChanged> Channel = new("hub_annotations");

    private readonly NodeBus bus;
    private readonly ILogger<AnnotationFeed> logger;
    private readonly ConcurrentDictionary<Guid, (Guid Constitution, Func<Task> Handler)> subscribers = new();
    private readonly IDisposable subscription;

    public AnnotationFeed(NodeBus bus, ILogger<AnnotationFeed> logger)
    {
        this.bus = bus;
        this.logger = logger;
        subscription = bus.Subscribe(Channel, changed => Tell(changed.Constitution));
    }

    public IDisposable Subscribe(Guid constitutionId, Func<Task> handler)
    {
        var key = Guid.NewGuid();
        subscribers[key] = (constitutionId, handler);
        return new Subscription(() => subscribers.TryRemove(key, out _));
    }

    /// <summary>Announces a change; a lost message costs readers on other nodes one refresh, the streams stay the
    /// truth.</summary>
    public Task AnnounceAsync(Guid constitutionId)
    {
        Tell(constitutionId);
        bus.Post(Channel, new AnnotationsChanged(bus.NodeName, constitutionId));
        return Task.CompletedTask;
    }

    private void Tell(Guid constitutionId)
    {
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
}
