namespace ConstitutionHub.Core.Experiments;

/// <summary>
/// Judge against people, on the pairs both judged: the share where the people's majority and the judge agree, and
/// Cohen's kappa (that agreement beyond what the two would reach by chance, given how often each says first, second
/// or tie). NaN where there is nothing to compare.
/// </summary>
public sealed record JudgeAgreement(int Pairs, int Agreeing, double Share, double Kappa);

/// <summary>People among themselves, on pairs with two or more votes: of every two people who voted on the same pair,
/// the share who voted alike.</summary>
public sealed record VoterAgreement(int Pairs, int VoterPairs, int Agreeing, double Share);

/// <summary>Ratings from people's votes with what sits beside them on the run page.</summary>
public sealed record HumanResults(Ratings Ratings, int BothBad, JudgeAgreement Judge, VoterAgreement Voters);

public static class HumanAgreement
{
    /// <summary>
    /// The people's verdict on one pair: the arm (or tie) with the most votes, "both bad" set aside; a tie when the
    /// top count is shared (one vote each way is no majority); null without a vote that counts.
    /// </summary>
    public static string? Majority(IEnumerable<string> verdicts)
    {
        var counts = verdicts.Where(v => v != HumanChoice.BothBad).GroupBy(v => v).Select(g => (Verdict: g.Key, Count: g.Count()))
            .OrderByDescending(c => c.Count).ToList();
        if (counts.Count == 0) return null;
        return counts.Count > 1 && counts[1].Count == counts[0].Count ? HumanChoice.Tie : counts[0].Verdict;
    }

    /// <summary>
    /// How firmly the people preferred their majority, for DPO's minimum margin: (votes for it − votes for the other
    /// arm) / counted votes, so 1 when every counted vote chose it and lower as ties and dissent grow.
    /// </summary>
    public static double Margin(PairKey pair, string majority, IReadOnlyCollection<string> verdicts)
    {
        var counted = verdicts.Where(v => v != HumanChoice.BothBad).ToList();
        if (counted.Count == 0 || majority == HumanChoice.Tie) return 0;
        var other = majority == pair.ArmA ? pair.ArmB : pair.ArmA;
        return (double)(counted.Count(v => v == majority) - counted.Count(v => v == other)) / counted.Count;
    }

    public static JudgeAgreement JudgeVersusPeople(IReadOnlyList<JudgmentRow> judgments, IReadOnlyList<HumanVoteRow> votes)
    {
        var people = votes.GroupBy(v => v.Pair).Select(g => (g.Key, Majority: Majority(g.Select(v => v.Verdict))))
            .Where(p => p.Majority is not null).ToDictionary(p => p.Key, p => p.Majority!);
        // In positional terms (first arm, second arm, tie), so pairs of different arms share categories.
        var compared = judgments.Select(j => (Pair: new PairKey(j.ArmA, j.ArmB, j.ItemId, j.Sample), j.Verdict))
            .Where(j => people.ContainsKey(j.Pair))
            .Select(j => (Judge: Position(j.Pair, j.Verdict), People: Position(j.Pair, people[j.Pair]))).ToList();
        var agreeing = compared.Count(c => c.Judge == c.People);
        return new JudgeAgreement(compared.Count, agreeing, compared.Count == 0 ? double.NaN : (double)agreeing / compared.Count, Kappa(compared));
    }

    public static VoterAgreement BetweenPeople(IReadOnlyList<HumanVoteRow> votes)
    {
        int pairs = 0, voterPairs = 0, agreeing = 0;
        foreach (var pair in votes.GroupBy(v => v.Pair).Where(g => g.Count() >= 2))
        {
            pairs++;
            var verdicts = pair.Select(v => v.Verdict).ToList();
            for (var i = 0; i < verdicts.Count; i++)
                for (var j = i + 1; j < verdicts.Count; j++)
                {
                    voterPairs++;
                    if (verdicts[i] == verdicts[j]) agreeing++;
                }
        }
        return new VoterAgreement(pairs, voterPairs, agreeing, voterPairs == 0 ? double.NaN : (double)agreeing / voterPairs);
    }

    /// <summary>Cohen's kappa of two raters over the same items: (observed − expected) / (1 − expected).</summary>
    public static double Kappa(IReadOnlyList<(string First, string Second)> ratings)
    {
        if (ratings.Count == 0) return double.NaN;
        double n = ratings.Count;
        var observed = ratings.Count(r => r.First == r.Second) / n;
        var expected = ratings.Select(r => r.First).Concat(ratings.Select(r => r.Second)).Distinct()
            .Sum(c => ratings.Count(r => r.First == c) / n * (ratings.Count(r => r.Second == c) / n));
        // Both raters always said the same one thing: agreement is perfect, chance explains it all; kappa is undefined.
        return expected >= 1 ? double.NaN : (observed - expected) / (1 - expected);
    }

    private static string Position(PairKey pair, string verdict) => verdict == pair.ArmA ? "first" : verdict == pair.ArmB ? "second" : "tie";
}
