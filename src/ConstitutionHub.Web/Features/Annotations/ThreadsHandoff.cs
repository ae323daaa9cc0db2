using System.Collections.Concurrent;
using ConstitutionHub.Core.Annotations;

namespace ConstitutionHub.Web.Features.Annotations;

/// <summary>The threads of one revision as a prerender read them.</summary>
public sealed record PrerenderedThreads(Guid ConstitutionId, int Revision, IReadOnlyList<AnnotationView> Views);

/// <summary>
/// Threads read while a Read page was prerendered, held on this node for the circuit the page starts a moment later,
/// so that one page open reads them once. The page carries only the key (persisted component state); the threads
/// themselves stay here, because written into the page a thousand of them weigh megabytes. A circuit that comes
/// late, lands on another node or finds the key gone simply reads them again: holding is an optimisation, never the
/// truth, and the circuit still checks they are current before using them.
/// </summary>
public sealed class ThreadsHandoff(TimeProvider time)
{
    /// <summary>A circuit starts well within this after its prerender; a page whose script never runs (a crawler, a
    /// reader without script) leaves its threads behind only this long.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>At most this many threads are held at once over all pages, so prerenders without circuits cannot
    /// fill the memory; past it a page is not held and its circuit reads again.</summary>
    public const int MaxThreadsHeld = 20_000;

    private readonly ConcurrentDictionary<Guid, (DateTimeOffset Expires, PrerenderedThreads Threads)> held = new();
    private readonly Lock gate = new();
    private int threadsHeld;

    /// <summary>Holds the threads and returns their key, or null when holding them would exceed the limit.</summary>
    public Guid? Hold(PrerenderedThreads threads)
    {
        lock (gate)
        {
            DropExpired();
            if (threadsHeld + threads.Views.Count > MaxThreadsHeld) return null;
            var key = Guid.NewGuid();
            held[key] = (time.GetUtcNow() + Lifetime, threads);
            threadsHeld += threads.Views.Count;
            return key;
        }
    }

    /// <summary>The threads held under <paramref name="key"/>, once; null when they expired or were never here.</summary>
    public PrerenderedThreads? Take(Guid key)
    {
        lock (gate)
        {
            if (!held.TryRemove(key, out var entry)) return null;
            threadsHeld -= entry.Threads.Views.Count;
            return entry.Expires > time.GetUtcNow() ? entry.Threads : null;
        }
    }

    private void DropExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in held)
        {
            if (entry.Expires <= now && held.TryRemove(key, out _)) threadsHeld -= entry.Threads.Views.Count;
        }
    }
}
