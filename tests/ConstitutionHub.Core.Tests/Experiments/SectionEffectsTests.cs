using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;

namespace ConstitutionHub.Core.Tests.Experiments;

/// <summary>The factorial effect estimate on votes simulated from known effects: it recovers them within its intervals.</summary>
public sealed class SectionEffectsTests
{
    private static readonly Factor[] Factors =
    [
        new("s-agree", "Agreeableness", ["default", "higher"]),
        new("s-honest", "Honesty", ["default", "strict"]),
        new("s-tone", "Tone", ["warm", "plain", "terse"]),
    ];

    // True effects (log-odds) of each non-reference variant, in the estimator's column order.
    private static readonly Dictionary<(string, string), double> Truth = new()
    {
        [("s-agree", "higher")] = 0.5,
        [("s-honest", "strict")] = -0.3,
        [("s-tone", "plain")] = 0.0,
        [("s-tone", "terse")] = -0.6,
    };

    [Fact]
    public void Effects_from_a_full_factorial_are_recovered_within_their_intervals_at_about_the_stated_rate()
    {
        var arms = ExperimentDesign.Factorial(Guid.NewGuid(), 3, Recipe.Default, Factors, FactorialKind.Full);
        var covered = 0;
        var total = 0;
        for (var run = 0; run < 40; run++)
        {
            var effects = SectionEffects.Estimate(arms, Factors, Simulate(arms, 4000, seed: 100 + run));
            foreach (var e in effects)
            {
                var truth = Truth[(e.SectionId, e.Variant)];
                total++;
                if (truth >= e.Lower && truth <= e.Upper) covered++;
                Assert.InRange(truth, e.Beta - 4 * e.StandardError, e.Beta + 4 * e.StandardError);
            }
        }
        // 95% intervals: 160 of them should cover the truth about 152 times; fewer than 144 means the errors are wrong.
        Assert.InRange(covered, 144, total);
    }

    [Fact]
    public void A_fractional_design_still_recovers_main_effects()
    {
        Factor[] two = [new("a", "A", ["x", "y"]), new("b", "B", ["x", "y"]), new("c", "C", ["x", "y"])];
        var arms = ExperimentDesign.Factorial(Guid.NewGuid(), 1, Recipe.Default, two, FactorialKind.Fractional);
        Assert.Equal(4, arms.Count);
        double[] truth = [0.6, -0.4, 0.2];
        var votes = SimulateWith(arms, a => (a.Levels!["a"] == "y" ? truth[0] : 0) + (a.Levels["b"] == "y" ? truth[1] : 0) + (a.Levels["c"] == "y" ? truth[2] : 0),
            6000, seed: 5);

        var effects = SectionEffects.Estimate(arms, two, votes);

        for (var i = 0; i < 3; i++) Assert.InRange(truth[i], effects[i].Beta - 3 * effects[i].StandardError, effects[i].Beta + 3 * effects[i].StandardError);
    }

    [Fact]
    public void An_effect_reads_as_win_rate_points()
    {
        var effect = new SectionEffect("s", "Agreeableness", "higher", "default", Beta: Math.Log(62.0 / 38), StandardError: 0.1, Lower: 0.29, Upper: 0.69);

        Assert.Equal(12, effect.Points, 6);
        Assert.StartsWith("Variant 'higher' of Agreeableness raises the judged win rate by 12 +/- ", effect.Sentence);
    }

    private static List<Vote> Simulate(IReadOnlyList<Arm> arms, int count, int seed) =>
        SimulateWith(arms, arm => Truth.Sum(t => arm.Levels![t.Key.Item1] == t.Key.Item2 ? t.Value : 0), count, seed);

    private static List<Vote> SimulateWith(IReadOnlyList<Arm> arms, Func<Arm, double> strength, int count, int seed)
    {
        var random = new Random(seed);
        var votes = new List<Vote>(count);
        for (var k = 0; k < count; k++)
        {
            var a = random.Next(arms.Count);
            var b = (a + 1 + random.Next(arms.Count - 1)) % arms.Count;
            var p = 1 / (1 + Math.Exp(strength(arms[b]) - strength(arms[a])));
            votes.Add(new Vote(a, b, random.NextDouble() < p ? Outcome.FirstWins : Outcome.SecondWins));
        }
        return votes;
    }
}
