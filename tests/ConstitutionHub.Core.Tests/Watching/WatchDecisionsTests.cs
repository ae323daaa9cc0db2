using ConstitutionHub.Core.Watching;

namespace ConstitutionHub.Core.Tests.Watching;

/// <summary>Watch choices as Given/When/Then, no database: a choice already in force adds no event.</summary>
public sealed class WatchDecisionsTests
{
    private static readonly WatchTarget Thread = new(WatchKind.Thread, Guid.NewGuid(), AnnotationId: Guid.NewGuid());

    [Fact]
    public void Watching_what_one_does_not_watch_starts_it() =>
        Assert.Equal(new WatchStarted(Thread), WatchDecisions.Decide(watchingNow: false, Thread, watch: true));

    [Fact]
    public void Unwatching_what_one_watches_by_default_stops_it() =>
        Assert.Equal(new WatchStopped(Thread), WatchDecisions.Decide(watchingNow: true, Thread, watch: false));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_choice_already_in_force_adds_nothing(bool watching) =>
        Assert.Null(WatchDecisions.Decide(watching, Thread, watching));

    [Fact]
    public void A_targets_key_is_the_section_id_the_thread_id_or_empty_for_the_constitution()
    {
        var constitution = Guid.NewGuid();
        Assert.Equal("", new WatchTarget(WatchKind.Constitution, constitution).Key);
        Assert.Equal("s-7", new WatchTarget(WatchKind.Section, constitution, SectionId: "s-7").Key);
        Assert.Equal(Thread.AnnotationId!.Value.ToString("N"), Thread.Key);
    }
}
