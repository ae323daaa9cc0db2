using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Experiments;

namespace ConstitutionHub.Core.Tests.Experiments;

/// <summary>
/// Ratings and agreement from people's votes, against values worked out by hand. Four pairs of arms A and B:
/// p1 A, A, B; p2 B, B; p3 tie, both bad; p4 A, B. The judge said A, A, tie, B.
/// </summary>
public sealed class HumanAgreementTests
{
    private static readonly ExperimentCreated Experiment = new(Guid.NewGuid(), "E", Guid.NewGuid(), 1, ["p1", "p2", "p3", "p4"],
        [new Arm("A", "plain", Guid.NewGuid(), 1, Recipe.Default), new Arm("B", "strict", Guid.NewGuid(), 1, Recipe.Default)], 1, [], null,
        new ExperimentCost(2, 4, 1, 8, 0, 0, 0));

    private static PairKey Pair(string item) => new("A", "B", item, 0);

    private static HumanVoteRow Vote(string voter, string item, string verdict) =>
        new(voter, Pair(item), "A", "left", verdict, null, 0, DateTimeOffset.UtcNow);

    private static readonly IReadOnlyList<HumanVoteRow> Votes =
    [
        Vote("ada", "p1", "A"), Vote("bea", "p1", "A"), Vote("cy", "p1", "B"),
        Vote("ada", "p2", "B"), Vote("bea", "p2", "B"),
        Vote("ada", "p3", "tie"), Vote("bea", "p3", "both_bad"),
        Vote("ada", "p4", "A"), Vote("bea", "p4", "B"),
    ];

    private static JudgmentRow Judged(string item, string verdict) => new("A", "B", item, 0, verdict, verdict, verdict, "", [], "judge", "builtin", 1);

    private static readonly IReadOnlyList<JudgmentRow> Judge = [Judged("p1", "A"), Judged("p2", "A"), Judged("p3", "tie"), Judged("p4", "B")];

    [Fact]
    public void The_majority_sets_both_bad_aside_and_a_shared_top_count_is_a_tie()
    {
        Assert.Equal("A", HumanAgreement.Majority(["A", "A", "B"]));
        Assert.Equal("tie", HumanAgreement.Majority(["tie", "both_bad"]));
        Assert.Equal("tie", HumanAgreement.Majority(["A", "B"]));
        Assert.Null(HumanAgreement.Majority(["both_bad"]));
        Assert.Equal(1.0 / 3, HumanAgreement.Margin(Pair("p1"), "A", ["A", "A", "B"]), 12);
        Assert.Equal(1, HumanAgreement.Margin(Pair("p2"), "B", ["B", "B", "both_bad"]));
    }

    [Fact]
    public void Judge_and_people_agree_on_half_the_pairs_with_a_kappa_of_three_elevenths()
    {
        // Judge first, first, tie, second; people first, second, tie, tie. Observed 2/4; by chance
        // 2/4·1/4 (first) + 1/4·1/4 (second) + 1/4·2/4 (tie) = 5/16; kappa (1/2 − 5/16) / (1 − 5/16) = 3/11.
        var agreement = HumanAgreement.JudgeVersusPeople(Judge, Votes);
        Assert.Equal((4, 2, 0.5), (agreement.Pairs, agreement.Agreeing, agreement.Share));
        Assert.Equal(3.0 / 11, agreement.Kappa, 12);
    }

    [Fact]
    public void People_agree_with_each_other_on_two_of_six_pairs_of_voters()
    {
        // p1: ada-bea alike, ada-cy and bea-cy not; p2 alike; p3 and p4 not.
        Assert.Equal(new VoterAgreement(4, 6, 2, 2.0 / 6), HumanAgreement.BetweenPeople(Votes));
    }

    [Fact]
    public void Kappa_is_one_for_full_agreement_beyond_chance_and_nan_for_one_category()
    {
        Assert.Equal(1, HumanAgreement.Kappa([("first", "first"), ("second", "second")]));
        Assert.True(double.IsNaN(HumanAgreement.Kappa([("tie", "tie")])));
        Assert.True(double.IsNaN(HumanAgreement.Kappa([])));
    }

    [Fact]
    public void Ratings_from_people_count_ties_as_half_wins_and_leave_both_bad_out()
    {
        var results = ExperimentResults.People(Experiment, Votes, Judge, bootstrapSamples: 50);
        // A: 2 (p1) + 0 (p2) + 0.5 (p3) + 1 (p4) of 8 counted votes; B the other 4.5.
        Assert.Equal(1, results.BothBad);
        Assert.Equal(8, results.Ratings.Votes);
        Assert.Equal(3.5 / 8, results.Ratings.WinRates[0, 1], 12);
        Assert.Equal(["B", "A"], results.Ratings.Leaderboard.Select(r => r.Letter));
        Assert.Equal(4.5 / 8, results.Ratings.Leaderboard[0].WinRate, 12);
        Assert.True(results.Ratings.Leaderboard[0].Rating.Lower <= results.Ratings.Leaderboard[0].Rating.Strength);
    }
}
