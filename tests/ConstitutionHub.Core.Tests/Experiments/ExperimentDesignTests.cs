using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;

namespace ConstitutionHub.Core.Tests.Experiments;

public sealed class ExperimentDesignTests
{
    private static readonly Guid Constitution = Guid.NewGuid();

    [Fact]
    public void A_full_factorial_has_every_combination_once_and_keeps_the_base_recipe_elsewhere()
    {
        Factor[] factors = [new("a", "Agreeableness", ["low", "high"]), new("b", "Brevity", ["short", "long"]), new("c", "Care", ["x", "y", "z"])];
        var arms = ExperimentDesign.Factorial(Constitution, 4, new Recipe(new Dictionary<string, string> { ["other"] = "v2" }), factors, FactorialKind.Full);

        Assert.Equal(12, arms.Count);
        Assert.Equal(12, arms.Select(a => string.Join("|", a.Levels!.OrderBy(l => l.Key).Select(l => l.Value))).Distinct().Count());
        Assert.All(arms, a => Assert.Equal("v2", a.Recipe.Choices["other"]));
        Assert.All(arms, a => Assert.Equal(a.Levels!["c"], a.Recipe.Choices["c"]));
        Assert.Equal(["A", "B", "C"], arms.Take(3).Select(a => a.Letter));
        Assert.Equal("Agreeableness=low, Brevity=short, Care=x", arms[0].Label);
    }

    [Fact]
    public void A_half_fraction_of_two_level_sections_is_balanced()
    {
        Factor[] factors = [new("a", "A", ["0", "1"]), new("b", "B", ["0", "1"]), new("c", "C", ["0", "1"]), new("d", "D", ["0", "1"])];
        var arms = ExperimentDesign.Factorial(Constitution, 1, Recipe.Default, factors, FactorialKind.Fractional);

        Assert.Equal(8, arms.Count);
        // Every level of every section appears in half the arms; every pair of sections sees each combination equally.
        foreach (var f in factors) Assert.Equal(4, arms.Count(a => a.Levels![f.SectionId] == "1"));
        foreach (var (f, g) in new[] { ("a", "b"), ("a", "d"), ("c", "d") })
            Assert.Equal(2, arms.Count(a => a.Levels![f] == "1" && a.Levels[g] == "1"));
    }

    [Fact]
    public void A_fractional_design_over_unequal_variant_counts_is_refused_with_the_reason()
    {
        Factor[] factors = [new("a", "A", ["0", "1"]), new("b", "B", ["0", "1"]), new("c", "C", ["0", "1", "2"])];
        var error = Assert.Throws<ValidationException>(() => ExperimentDesign.Factorial(Constitution, 1, Recipe.Default, factors, FactorialKind.Fractional));
        Assert.Contains("same number of variants", error.Message);
    }

    [Fact]
    public void A_design_over_the_arm_limit_is_refused_before_anything_runs()
    {
        var factors = Enumerable.Range(0, 6).Select(i => new Factor($"s{i}", $"S{i}", ["a", "b"])).ToArray();
        var error = Assert.Throws<ValidationException>(() => ExperimentDesign.Factorial(Constitution, 1, Recipe.Default, factors, FactorialKind.Full));
        Assert.Contains("more than 32 arms", error.Message);
        Assert.Equal(32, ExperimentDesign.Factorial(Constitution, 1, Recipe.Default, factors, FactorialKind.Fractional).Count);
    }

    [Fact]
    public void The_cost_is_stated_in_generations_tokens_and_judge_calls()
    {
        Arm[] arms = [new("A", "r3", Constitution, 3, Recipe.Default), new("B", "r4", Constitution, 4, Recipe.Default, Sampling: new ArmSampling(MaxTokens: 100)),
            new("C", "r5", Constitution, 5, Recipe.Default)];
        var cost = ExperimentDesign.Cost(arms, items: 100, samples: 2);

        Assert.Equal(600, cost.Generations);
        Assert.Equal((256 + 100 + 256) * 200L, cost.MaxGeneratedTokens);
        Assert.Equal(3 * 200, cost.JudgePairs);
        Assert.Equal(1200, cost.JudgeCalls);
        Assert.StartsWith("600 generations (100 items x 3 arms x 2 samples)", cost.Summary);
    }

    [Theory]
    [InlineData(1, 1, "at least two arms")]
    [InlineData(2, 0, "Samples per item")]
    [InlineData(2, 17, "Samples per item")]
    public void A_bad_experiment_is_refused_with_a_reason(int armCount, int samples, string reason)
    {
        var arms = Enumerable.Range(0, armCount).Select(i => new Arm(ExperimentDesign.LetterOf(i), $"r{i + 1}", Constitution, i + 1, Recipe.Default)).ToList();
        var error = Assert.Throws<ValidationException>(() => ExperimentDesign.Cost(arms, 10, samples));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Seeds_are_stable_per_item_and_sample_and_shared_across_arms()
    {
        var experiment = Guid.NewGuid();
        Assert.Equal(ExperimentDesign.Seed(experiment, "q1", 0), ExperimentDesign.Seed(experiment, "q1", 0));
        Assert.NotEqual(ExperimentDesign.Seed(experiment, "q1", 0), ExperimentDesign.Seed(experiment, "q1", 1));
        Assert.NotEqual(ExperimentDesign.Seed(experiment, "q1", 0), ExperimentDesign.Seed(Guid.NewGuid(), "q1", 0));
        Assert.True(ExperimentDesign.Seed(experiment, "q2", 3) >= 0);
    }
}
