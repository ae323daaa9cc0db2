namespace ConstitutionHub.Web.Infrastructure.Nodes;

/// <summary>What every subscribe call returns: disposing it ends the subscription, once, however often it is called
/// (a page disposes on navigation and again when its circuit ends).</summary>
public sealed class Subscription(Action end) : IDisposable
{
    private Action? end = end;

    public void Dispose() => Interlocked.Exchange(ref end, null)?.Invoke();
}
