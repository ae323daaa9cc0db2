using ConstitutionHub.Core.Chats;

namespace ConstitutionHub.Core.Tests.Chats;

/// <summary>The clock is a settable <see cref="TimeProvider"/> so the 250 ms interval is exact rather than a sleep.</summary>
public sealed class ReplyBatcherTests
{
    [Fact]
    public void Given_tokens_arriving_faster_than_the_interval_then_they_are_taken_as_one_batch_per_interval()
    {
        var clock = new SteppingClock();
        var batcher = new ReplyBatcher(TimeSpan.FromMilliseconds(250), clock);
        var batches = new List<(string, int)>();
        // 100 tokens, one every 10 ms: a second of generation.
        for (var i = 1; i <= 100; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(10));
            batcher.Add($"t{i} ", i);
            if (batcher.IsDue) batches.Add(batcher.Take()!.Value);
        }
        if (batcher.Take() is { } rest) batches.Add(rest);

        Assert.Equal(4, batches.Count);
        Assert.Equal(string.Concat(Enumerable.Range(1, 100).Select(i => $"t{i} ")), string.Concat(batches.Select(b => b.Item1)));
        Assert.Equal([25, 50, 75, 100], batches.Select(b => b.Item2));
        Assert.Null(batcher.Take());
    }

    [Fact]
    public void Given_a_large_burst_then_a_batch_is_due_before_the_interval()
    {
        var batcher = new ReplyBatcher(TimeSpan.FromSeconds(10), new SteppingClock(), maxChars: 100);
        batcher.Add(new string('x', 99), 1);
        Assert.False(batcher.IsDue);
        batcher.Add("y", 2);
        Assert.True(batcher.IsDue);
        Assert.Equal((new string('x', 99) + "y", 2), batcher.Take());
    }

    private sealed class SteppingClock : TimeProvider
    {
        private long ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => ticks;

        public void Advance(TimeSpan by) => ticks += by.Ticks;
    }
}
