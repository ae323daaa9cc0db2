namespace ConstitutionHub.Core.Experiments;

public sealed record ScoreRow(string Arm, string ItemId, int Sample, string SectionId, int Score, string Rationale, string JudgeModel, string Template,
    int TemplateRevision);

public sealed record CritiqueRow(string Arm, string ItemId, int Sample, string Critique, IReadOnlyList<string> CitedSections, string Revision,
    string JudgeModel, string Template, int TemplateRevision);

/// <summary>One arm's scores on one rubric section: how many, their mean and its 95% interval (NaN bounds below two scores).</summary>
public sealed record RubricRow(string Arm, string Label, string SectionId, string Heading, int Count, double Mean, double Lower, double Upper);

/// <summary>Rubric scores turned into what people read: per arm and section, the mean score with a Student t interval.</summary>
public static class RubricResults
{
    /// <summary>Every arm x rubric section, in the definition's order, including those with no score yet (count 0).</summary>
    public static IReadOnlyList<RubricRow> Summarize(ExperimentCreated definition, IReadOnlyList<ScoreRow> scores)
    {
        if (definition.Rubric is not { } rubric) return [];
        var byKey = scores.GroupBy(s => (s.Arm, s.SectionId)).ToDictionary(g => g.Key, g => g.Select(s => s.Score).ToList());
        return definition.Arms.SelectMany(arm => rubric.Sections.Select(section =>
        {
            var mine = byKey.GetValueOrDefault((arm.Letter, section.Id)) ?? [];
            var (mean, lower, upper) = MeanInterval(mine);
            return new RubricRow(arm.Letter, arm.Label, section.Id, section.Heading, mine.Count, mean, lower, upper);
        })).ToList();
    }

    /// <summary>
    /// The mean and its 95% Student t interval, mean ± t(0.975, n−1)·s/√n, clipped to the 1-5 scale. A t interval
    /// rather than a bootstrap: scores are few per arm and section (tens), where resampling a handful of distinct
    /// values gives intervals that are too narrow, and it needs no random numbers. NaN mean with no scores, NaN bounds with one.
    /// </summary>
    public static (double Mean, double Lower, double Upper) MeanInterval(IReadOnlyList<int> scores)
    {
        if (scores.Count == 0) return (double.NaN, double.NaN, double.NaN);
        var mean = scores.Average();
        if (scores.Count == 1) return (mean, double.NaN, double.NaN);
        var variance = scores.Sum(s => (s - mean) * (s - mean)) / (scores.Count - 1);
        var half = StudentT975(scores.Count - 1) * Math.Sqrt(variance / scores.Count);
        return (mean, Math.Max(1, mean - half), Math.Min(5, mean + half));
    }

    private static readonly double[] T975 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>The 97.5% quantile of Student's t: tabulated to 30 degrees of freedom, beyond by the Cornish-Fisher
    /// expansion around the normal quantile (within 0.001 of the exact value there).</summary>
    public static double StudentT975(int degreesOfFreedom)
    {
        if (degreesOfFreedom < 1) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom));
        if (degreesOfFreedom <= T975.Length) return T975[degreesOfFreedom - 1];
        const double z = 1.959964;
        double n = degreesOfFreedom;
        return z + (z * z * z + z) / (4 * n) + (5 * Math.Pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
    }

    /// <summary>Each output's mean over the rubric's sections, for outputs scored on every one of them.</summary>
    public static IReadOnlyDictionary<(string Arm, string ItemId, int Sample), double> OutputMeans(IReadOnlyList<ScoreRow> scores, int sections) =>
        scores.GroupBy(s => (s.Arm, s.ItemId, s.Sample)).Where(g => g.Select(s => s.SectionId).Distinct().Count() == sections)
            .ToDictionary(g => g.Key, g => g.Average(s => s.Score));
}
