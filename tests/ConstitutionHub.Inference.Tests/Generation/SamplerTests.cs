using ConstitutionHub.Inference.Generation;

namespace ConstitutionHub.Inference.Tests.Generation;

public sealed class SamplerTests
{
    // Probabilities (temperature 1) roughly 0.48, 0.29, 0.18, 0.04, 0.01 for ids 0..4.
    private static float[] Logits() => [2.0f, 1.5f, 1.0f, -0.5f, -2.0f];

    private static List<int> Draw(SamplingSettings s, int count, Func<float[]>? logits = null)
    {
        var sampler = new Sampler(s, 5);
        return Enumerable.Range(0, count).Select(_ => sampler.Next((logits ?? Logits)())).ToList();
    }

    private static SamplingSettings Plain(long? seed = 7) => new(Temperature: 1, TopK: 0, TopP: 1, MinP: 0, RepetitionPenalty: 1, Seed: seed);

    [Fact]
    public void A_seed_reproduces_the_draws_exactly_and_another_seed_does_not()
    {
        var a = Draw(Plain(42), 200);
        Assert.Equal(a, Draw(Plain(42), 200));
        Assert.NotEqual(a, Draw(Plain(43), 200));
        Assert.True(a.Distinct().Count() >= 4, "sampling at temperature 1 should visit most tokens");
    }

    [Fact]
    public void The_generator_is_our_own_and_fixed()
    {
        // xoshiro256** seeded by SplitMix64(0): the first output is fixed by the algorithm, not by the .NET version.
        var r = new SeededRandom(0);
        Assert.Equal(0x99EC5F36CB75F2B4UL, r.NextUInt64());
    }

    [Fact]
    public void Temperature_zero_is_greedy()
    {
        Assert.All(Draw(SamplingSettings.Greedy(), 20), t => Assert.Equal(0, t));
    }

    [Fact]
    public void Top_k_keeps_only_the_k_best()
    {
        var draws = Draw(Plain() with { TopK = 2 }, 500);
        Assert.Equal([0, 1], draws.Distinct().Order());
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_p()
    {
        // 0.48 + 0.29 = 0.77 < 0.8, so the third token is still needed; the fourth is not.
        var draws = Draw(Plain() with { TopP = 0.8 }, 800);
        Assert.Equal([0, 1, 2], draws.Distinct().Order());
        Assert.Equal([0, 1], Draw(Plain() with { TopP = 0.7 }, 500).Distinct().Order());
    }

    [Fact]
    public void Min_p_drops_tokens_below_a_share_of_the_best()
    {
        // p(2)/p(0) = e^-1 = 0.37, p(3)/p(0) = e^-2.5 = 0.08.
        Assert.Equal([0, 1, 2], Draw(Plain() with { MinP = 0.3 }, 800).Distinct().Order());
        Assert.Equal([0, 1], Draw(Plain() with { MinP = 0.5 }, 500).Distinct().Order());
    }

    [Fact]
    public void Repetition_penalty_pushes_seen_tokens_down_whatever_their_sign()
    {
        var sampler = new Sampler(SamplingSettings.Greedy() with { RepetitionPenalty = 1.5 }, 5);
        sampler.Observe(0);
        // 2.0 / 1.5 = 1.33 < 1.5: token 1 wins now.
        Assert.Equal(1, sampler.Next(Logits()));

        var negative = new Sampler(SamplingSettings.Greedy() with { RepetitionPenalty = 2 }, 3);
        negative.Observe(1);
        float[] logits = [-1.0f, -0.6f, -1.1f];
        // -0.6 * 2 = -1.2: the seen token falls below both others.
        Assert.Equal(0, negative.Next(logits));
        Assert.Equal(-1.2f, logits[1], 5);
    }

    [Fact]
    public void Draw_frequencies_follow_the_probabilities()
    {
        var draws = Draw(Plain(1), 20_000);
        double share0 = draws.Count(t => t == 0) / 20_000.0;
        Assert.InRange(share0, 0.45, 0.51);
    }
}
