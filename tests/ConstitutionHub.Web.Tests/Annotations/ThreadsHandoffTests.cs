using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Web.Features.Annotations;
using Microsoft.Extensions.Time.Testing;

namespace ConstitutionHub.Web.Tests.Annotations;

/// <summary>What a prerender leaves for its circuit: taken once, gone after its lifetime, and never more than the limit.</summary>
public sealed class ThreadsHandoffTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static PrerenderedThreads Threads(int count)
    {
        var anchor = new TextAnchor("s1", "quote", "", "", 0, 5);
        var row = new AnnotationRow(Guid.NewGuid(), Guid.NewGuid(), AnnotationKind.Comment, "local:ada", "Ada", DateTimeOffset.UnixEpoch,
            DateTimeOffset.UnixEpoch, 1, 1, 1, anchor, anchor, AnchorOutcome.Unchanged, "s1", false, null, false, 0, null, null, null, null, 0, 1,
            new Dictionary<string, string>(), 1);
        var views = Enumerable.Range(0, count).Select(_ => new AnnotationView(row, 1, anchor, AnchorOutcome.Unchanged, AnchorMethod.Diff, [], [])).ToArray();
        return new PrerenderedThreads(Guid.NewGuid(), 1, views);
    }

    [Fact]
    public void Threads_held_for_a_circuit_are_taken_once()
    {
        var handoff = new ThreadsHandoff(time);
        var threads = Threads(3);
        var key = handoff.Hold(threads)!.Value;

        Assert.Same(threads, handoff.Take(key));
        Assert.Null(handoff.Take(key));
        Assert.Null(handoff.Take(Guid.NewGuid()));
    }

    [Fact]
    public void Threads_not_taken_within_their_lifetime_are_gone()
    {
        var handoff = new ThreadsHandoff(time);
        var key = handoff.Hold(Threads(1))!.Value;
        time.Advance(ThreadsHandoff.Lifetime);

        Assert.Null(handoff.Take(key));
    }

    [Fact]
    public void Past_the_limit_a_page_is_not_held_until_expired_or_taken_threads_make_room()
    {
        var handoff = new ThreadsHandoff(time);
        var first = handoff.Hold(Threads(ThreadsHandoff.MaxThreadsHeld - 10))!.Value;

        Assert.Null(handoff.Hold(Threads(11)));
        Assert.NotNull(handoff.Hold(Threads(10)));
        Assert.NotNull(handoff.Take(first));
        var later = handoff.Hold(Threads(ThreadsHandoff.MaxThreadsHeld - 10));
        Assert.NotNull(later);

        time.Advance(ThreadsHandoff.Lifetime);
        Assert.NotNull(handoff.Hold(Threads(ThreadsHandoff.MaxThreadsHeld)));
    }
}
