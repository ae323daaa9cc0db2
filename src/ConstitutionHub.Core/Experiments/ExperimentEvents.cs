namespace ConstitutionHub.Core.Experiments;

/// <summary>How outputs are judged: the judge model (null: the app's default), whether the judge sees the whole
/// compiled constitution or only the sections the arms vary, and the judge prompt document at its revision.</summary>
public sealed record JudgeSettings(string? Model, bool OnlyVariedSections, Guid? PromptDocumentId = null, int? PromptRevision = null);

/// <summary>A section a rubric scores, with its heading in the reference revision (the first arm's) when the experiment was defined.</summary>
public sealed record RubricSection(string Id, string Heading);

/// <summary>Rubric scoring: every output scored 1-5 on each of these sections by the judge model (null: the app's default),
/// with the built-in rubric prompt or a prompt document at its revision, as the pairwise judge's.</summary>
public sealed record RubricSettings(IReadOnlyList<RubricSection> Sections, string? Model = null, Guid? PromptDocumentId = null, int? PromptRevision = null);

/// <summary>
/// An experiment was defined: a prompt set pinned at a version (its item ids, so the work is known without reading
/// the set), the arms, samples per item, the factors of a factorial design (empty otherwise), the judge, and the
/// cost that was stated before it started, and the rubric (null: no rubric scoring; experiments defined before rubrics
/// have none). Experiments start running when created.
/// </summary>
public sealed record ExperimentCreated(Guid Id, string Name, Guid PromptSetId, int PromptSetVersion, IReadOnlyList<string> ItemIds,
    IReadOnlyList<Arm> Arms, int Samples, IReadOnlyList<Factor> Factors, JudgeSettings? Judge, ExperimentCost Cost, RubricSettings? Rubric = null);

public sealed record ExperimentPaused(Guid Id);

public sealed record ExperimentResumed(Guid Id);

/// <summary>Work not yet started is dropped; outputs already recorded stay.</summary>
public sealed record ExperimentCancelled(Guid Id);

/// <summary>
/// Critiques and revisions were asked for, for the outputs of these arms on these items (every sample): one piece of
/// work each, made once however often they are asked for, with the critique prompt of the first request that asked
/// for it (the built-in one, or a prompt document at its revision).
/// </summary>
public sealed record CritiquesRequested(Guid Id, IReadOnlyList<string> Arms, IReadOnlyList<string> ItemIds, int Samples,
    Guid? PromptDocumentId = null, int? PromptRevision = null);

/// <summary>
/// One generation, recorded once: its stream id is its key (experiment, arm, item, sample), so a second node that
/// finishes the same work finds the stream taken and records nothing. The seed, model and compiled prompt's hash
/// are its provenance.
/// </summary>
public sealed record GenerationRecorded(Guid ExperimentId, string Arm, string ItemId, int Sample, long Seed, string Output, string Model,
    string PromptHash, string? FinishReason, int? CompletionTokens, double Milliseconds, string Node, int Attempt);

public static class ExperimentStream
{
    public static string Id(Guid experimentId) => $"experiment-{experimentId:N}";

    /// <summary>The stream of one generation: taken once, which is what makes a generation happen once.</summary>
    public static string GenerationId(Guid experimentId, string arm, string itemId, int sample) =>
        $"generation-{experimentId:N}/{arm}/{sample}/{itemId}";

    public static readonly IReadOnlyList<(Type Type, string Alias)> Events =
    [
        (typeof(ExperimentCreated), "experiment_created"),
        (typeof(ExperimentPaused), "experiment_paused"),
        (typeof(ExperimentResumed), "experiment_resumed"),
        (typeof(ExperimentCancelled), "experiment_cancelled"),
        (typeof(CritiquesRequested), "critiques_requested"),
        (typeof(GenerationRecorded), "generation_recorded"),
    ];
}
