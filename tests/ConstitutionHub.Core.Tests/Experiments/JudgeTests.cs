using ConstitutionHub.Core.Experiments;

namespace ConstitutionHub.Core.Tests.Experiments;

/// <summary>The judge's pure logic: fixed-choice parsing (verdicts and rubric scores), the position swap, section verdicts
/// from a rationale, and the sections a critique cites.</summary>
public sealed class JudgeTests
{
    [Theory]
    [InlineData("A", "A")]
    [InlineData(" b\n", "B")]
    [InlineData("Tie.", "tie")]
    public void A_reply_that_is_one_of_the_choices_parses(string reply, string verdict) =>
        Assert.Equal(verdict, ExperimentJudge.ParseVerdict(reply));

    [Theory]
    [InlineData("Sure! A is better.")]
    [InlineData("")]
    [InlineData("AB")]
    public void Anything_else_is_refused_with_what_the_judge_said(string reply)
    {
        var error = Assert.Throws<JudgeFormatException>(() => ExperimentJudge.ParseVerdict(reply));
        Assert.Contains("not one of A, B, tie", error.Message);
    }

    [Fact]
    public void Verdicts_on_shown_sides_map_back_to_arms_in_both_orders()
    {
        Assert.Equal("C", ExperimentJudge.InArms("A", "C", "D", swapped: false));
        Assert.Equal("D", ExperimentJudge.InArms("A", "C", "D", swapped: true));
        Assert.Equal("C", ExperimentJudge.InArms("B", "C", "D", swapped: true));
        Assert.Equal("tie", ExperimentJudge.InArms("tie", "C", "D", swapped: true));
    }

    [Fact]
    public void Orders_that_agree_decide_and_orders_that_disagree_are_a_tie()
    {
        Assert.Equal("C", ExperimentJudge.Combine("C", "C"));
        Assert.Equal("tie", ExperimentJudge.Combine("C", "D"));
        Assert.Equal("tie", ExperimentJudge.Combine("C", "tie"));
    }

    [Fact]
    public void A_judge_that_always_picks_the_first_shown_is_reported_as_biased_and_decides_nothing()
    {
        // Always "A": in arm terms the first order says ArmA, the swapped order ArmB.
        var first = ExperimentJudge.InArms("A", "X", "Y", swapped: false);
        var second = ExperimentJudge.InArms("A", "X", "Y", swapped: true);
        var row = new JudgmentRow("X", "Y", "q1", 0, first, second, ExperimentJudge.Combine(first, second), "", [], "m", "builtin", 1);

        var bias = ExperimentResults.Bias([row, row with { ItemId = "q2" }]);

        Assert.Equal("tie", row.Verdict);
        Assert.Equal((4, 4, 2, 2), (bias.Decisive, bias.PickedFirst, bias.Disagreements, bias.Pairs));
        Assert.Equal(1.0, bias.FirstShare);
    }

    [Fact]
    public void Section_verdicts_cite_only_sections_the_judge_was_shown()
    {
        var rationale = """
            s-honest: A - states the risk plainly
            - s-agree: tie, both are warm
            s-unknown: B - not a section
            s-honest: B - a second line for the same section is ignored
            just prose without a verdict
            """;
        var verdicts = ExperimentJudge.SectionVerdicts(rationale, new HashSet<string> { "s-honest", "s-agree" }, "C", "D");

        Assert.Equal([("s-honest", "C"), ("s-agree", "tie")], verdicts.Select(v => (v.SectionId, v.Verdict)));
        Assert.Equal("states the risk plainly", verdicts[0].Reason);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData(" 4\n", 4)]
    [InlineData("5.", 5)]
    public void A_score_that_is_one_of_the_digits_parses(string reply, int score) =>
        Assert.Equal(score, ExperimentJudge.ParseScore(reply));

    [Theory]
    [InlineData("0")]
    [InlineData("6")]
    [InlineData("4/5")]
    [InlineData("I would say 3")]
    [InlineData("")]
    public void A_score_off_the_scale_is_refused_with_what_the_judge_said(string reply)
    {
        var error = Assert.Throws<JudgeFormatException>(() => ExperimentJudge.ParseScore(reply));
        Assert.Contains($"The judge answered '{reply}', not one of 1, 2, 3, 4, 5", error.Message);
    }

    [Fact]
    public void The_score_choices_are_the_five_digits_of_the_scale() =>
        Assert.Equal(["1", "2", "3", "4", "5"], ExperimentJudge.ScoreChoices);

    [Fact]
    public void A_critique_cites_each_known_section_once_in_order()
    {
        var critique = """
            s-agree: softens the disagreement too much
            - s-honest: hedges on the risk
            s-unknown: not a section
            s-agree: said twice
            Overall fine.
            """;
        Assert.Equal(["s-agree", "s-honest"], ExperimentJudge.CitedSections(critique, new HashSet<string> { "s-honest", "s-agree" }));
        Assert.Empty(ExperimentJudge.CitedSections("none", new HashSet<string> { "s-honest" }));
    }
}
