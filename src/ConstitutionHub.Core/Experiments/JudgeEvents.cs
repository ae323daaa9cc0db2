namespace ConstitutionHub.Core.Experiments;

/// <summary>The judge's view of one section: which output followed it better.</summary>
public sealed record SectionVerdict(string SectionId, string Verdict, string Reason);

/// <summary>
/// A pair of outputs judged in both orders. <paramref name="FirstOrder"/> (ArmA's output shown as "A") and
/// <paramref name="SecondOrder"/> (shown swapped) are already in arm terms: ArmA, ArmB or "tie"; the verdict is
/// theirs when they agree and a tie when they do not, so the side an output is shown on cannot decide it. The judge
/// (model, prompt template and its revision) is recorded with the verdict.
/// </summary>
public sealed record JudgmentRecorded(Guid ExperimentId, string ArmA, string ArmB, string ItemId, int Sample, string FirstOrder, string SecondOrder,
    string Verdict, string Rationale, IReadOnlyList<SectionVerdict> Sections, string JudgeModel, string Template, int TemplateRevision, string Node);

/// <summary>
/// One output scored 1-5 on one rubric section (decoded under a fixed choice of "1".."5"), with the judge's one-line
/// reason and the judge (model, template, template revision), recorded once per experiment, output and section.
/// </summary>
public sealed record ScoreRecorded(Guid ExperimentId, string Arm, string ItemId, int Sample, string SectionId, int Score, string Rationale,
    string JudgeModel, string Template, int TemplateRevision, string Node);

/// <summary>
/// The judge's critique of one output against the constitution, the section ids it cites (only sections of the arm's
/// revision), and the output revised to answer it: the supervised stage of constitutional AI. Recorded once per output.
/// </summary>
public sealed record CritiqueRecorded(Guid ExperimentId, string Arm, string ItemId, int Sample, string Critique, IReadOnlyList<string> CitedSections,
    string Revision, string JudgeModel, string Template, int TemplateRevision, string Node);

public static class JudgeStream
{
    public static string Id(Guid experimentId, string armA, string armB, string itemId, int sample) =>
        $"judgment-{experimentId:N}/{armA}|{armB}/{sample}/{itemId}";

    public static string ScoreId(Guid experimentId, string arm, string itemId, int sample, string sectionId) =>
        $"score-{experimentId:N}/{arm}/{sample}/{itemId}/{sectionId}";

    public static string CritiqueId(Guid experimentId, string arm, string itemId, int sample) =>
        $"critique-{experimentId:N}/{arm}/{sample}/{itemId}";

    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(JudgmentRecorded), "judgment_recorded"),
        (typeof(ScoreRecorded), "rubric_score_recorded"),
        (typeof(CritiqueRecorded), "critique_recorded"),
    ];
}
