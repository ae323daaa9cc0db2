using ConstitutionHub.Core.Chats;

namespace ConstitutionHub.Core.Tests.Chats;

public sealed class ReplySeedTests
{
    private static SamplingRecord Sampling(long? seed) => new(0.7, 40, 0.95, 0.05, 1.1, 256, seed, []);

    [Fact]
    public void A_chat_seed_is_used_as_it_is()
    {
        Assert.Equal(42, ReplySeed.For(Sampling(42), Guid.NewGuid()));
    }

    [Fact]
    public void Without_a_chat_seed_each_reply_gets_its_own_stable_seed_that_json_numbers_hold_exactly()
    {
        var reply = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
        var seed = ReplySeed.For(Sampling(null), reply);

        Assert.Equal(seed, ReplySeed.FromReplyId(reply));
        Assert.InRange(seed, 0, (1L << 53) - 1);
        var others = Enumerable.Range(0, 1000).Select(_ => ReplySeed.FromReplyId(Guid.NewGuid())).ToHashSet();
        Assert.Equal(1000, others.Count);
        Assert.DoesNotContain(seed, others);
    }
}
