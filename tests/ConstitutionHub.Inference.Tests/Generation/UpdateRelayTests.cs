using System.Threading.Channels;
using ConstitutionHub.Inference.Generation;

namespace ConstitutionHub.Inference.Tests.Generation;

public sealed class UpdateRelayTests
{
    private static GenerationUpdate Token(string text, int count, string? finish = null) => new(text, 3, count, finish);

    [Fact]
    public void The_first_and_last_updates_go_at_once_and_the_rest_each_interval_in_order()
    {
        var time = new ManualClock();
        var channel = Channel.CreateUnbounded<GenerationUpdate>();
        var relay = new UpdateRelay(channel.Writer, time);

        relay.Report(Token("a", 1));
        Assert.Equal(["a"], Drain(channel));
        relay.Report(Token("b", 2));
        time.Advance(UpdateRelay.Interval / 2);
        relay.Report(Token("c", 3));
        Assert.Empty(Drain(channel));
        time.Advance(UpdateRelay.Interval / 2);
        relay.Report(Token("d", 4));
        Assert.Equal(["b", "c", "d"], Drain(channel));
        relay.Report(Token("e", 5));
        relay.Report(Token("", 5, FinishReasons.Length));
        Assert.Equal(["e", ""], Drain(channel));
    }

    [Fact]
    public async Task Completing_hands_over_what_is_held_then_ends_the_stream_with_the_failure()
    {
        var time = new ManualClock();
        var channel = Channel.CreateUnbounded<GenerationUpdate>();
        var relay = new UpdateRelay(channel.Writer, time);
        relay.Report(Token("a", 1));
        relay.Report(Token("b", 2));

        relay.Complete(new InvalidOperationException("the pass failed"));

        Assert.Equal(["a", "b"], Drain(channel));
        await Assert.ThrowsAsync<InvalidOperationException>(() => channel.Reader.Completion);
    }

    private static List<string> Drain(Channel<GenerationUpdate> channel)
    {
        var texts = new List<string>();
        while (channel.Reader.TryRead(out var u)) texts.Add(u.TextDelta);
        return texts;
    }

    /// <summary>A clock that moves only when told (Microsoft's FakeTimeProvider is not referenced here).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
