using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;

namespace ConstitutionHub.Core.Tests.Experiments;

/// <summary>Rubric aggregation: mean scores per arm and section with Student t intervals.</summary>
public sealed class RubricResultsTests
{
    private static readonly Guid Constitution = Guid.NewGuid();

    private static readonly ExperimentCreated Experiment = new(Guid.NewGuid(), "E", Guid.NewGuid(), 1, ["q1", "q2", "q3"],
        [new Arm("A", "plain", Constitution, 1, Recipe.Default), new Arm("B", "strict", Constitution, 2, Recipe.Default)], 1, [], null,
        new ExperimentCost(2, 3, 1, 6, 0, 0, 1024, 12), new RubricSettings([new RubricSection("s-honest", "Honesty"), new RubricSection("s-agree", "Agreeableness")]));

    private static ScoreRow Score(string arm, string item, string section, int score) => new(arm, item, 0, section, score, "why", "judge", "builtin-rubric", 1);

    [Fact]
    public void The_interval_is_the_mean_plus_or_minus_t_times_the_standard_error()
    {
        // 1..5: mean 3, s = sqrt(2.5), se = sqrt(0.5); t(0.975, 4) = 2.776.
        var (mean, lower, upper) = RubricResults.MeanInterval([1, 2, 3, 4, 5]);
        Assert.Equal(3, mean, 12);
        Assert.Equal(3 - 2.776 * Math.Sqrt(0.5), lower, 9);
        Assert.Equal(3 + 2.776 * Math.Sqrt(0.5), upper, 9);
    }

    [Fact]
    public void The_interval_stays_on_the_scale_and_needs_two_scores()
    {
        var (_, lower, upper) = RubricResults.MeanInterval([1, 1, 5]);
        Assert.Equal((1.0, 5.0), (lower, upper));
        var (one, noLower, noUpper) = RubricResults.MeanInterval([4]);
        Assert.Equal(4, one);
        Assert.True(double.IsNaN(noLower) && double.IsNaN(noUpper));
        Assert.True(double.IsNaN(RubricResults.MeanInterval([]).Mean));
        Assert.Equal((4.0, 4.0), (RubricResults.MeanInterval([4, 4, 4]).Lower, RubricResults.MeanInterval([4, 4, 4]).Upper));
    }

    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(30, 2.042)]
    [InlineData(31, 2.0395)] // exact 2.03951
    [InlineData(60, 2.0003)] // exact 2.00030
    [InlineData(1000, 1.9623)] // exact 1.96234
    public void The_t_quantile_matches_the_tables(int degreesOfFreedom, double expected) =>
        Assert.Equal(expected, RubricResults.StudentT975(degreesOfFreedom), tolerance: 0.0006);

    [Fact]
    public void Every_arm_and_section_is_summarised_including_those_not_scored_yet()
    {
        var rows = RubricResults.Summarize(Experiment,
            [Score("A", "q1", "s-honest", 2), Score("A", "q2", "s-honest", 4), Score("B", "q1", "s-honest", 5), Score("B", "q2", "s-honest", 5),
             Score("B", "q1", "s-agree", 3)]);

        Assert.Equal([("A", "s-honest"), ("A", "s-agree"), ("B", "s-honest"), ("B", "s-agree")], rows.Select(r => (r.Arm, r.SectionId)));
        Assert.Equal((2, 3.0, "Honesty", "plain"), (rows[0].Count, rows[0].Mean, rows[0].Heading, rows[0].Label));
        Assert.Equal(0, rows[1].Count);
        Assert.True(double.IsNaN(rows[1].Mean));
        Assert.Equal((5.0, 5.0, 5.0), (rows[2].Mean, rows[2].Lower, rows[2].Upper));
        Assert.Equal((1, 3.0), (rows[3].Count, rows[3].Mean));
    }

    [Fact]
    public void An_experiment_without_a_rubric_has_no_rubric_rows() =>
        Assert.Empty(RubricResults.Summarize(Experiment with { Rubric = null }, [Score("A", "q1", "s-honest", 2)]));
}
