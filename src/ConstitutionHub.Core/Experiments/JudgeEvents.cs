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

public static class JudgeStream
{
    public static string Id(Guid experimentId, string armA, string armB, string itemId, int sample) =>
        $"judgment-{experimentId:N}/{armA}|{armB}/{sample}/{itemId}";

    public static readonly IReadOnlyList<(Type Type, string Alias)> Events = [(typeof(JudgmentRecorded), "judgment_recorded")];
}
