using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Streams;

namespace ConstitutionHub.Core.Experiments;

/// <summary>What a person asks for when they start an experiment.</summary>
public sealed record CreateExperiment(string Name, Guid PromptSetId, int? PromptSetVersion, IReadOnlyList<Arm> Arms, int Samples,
    IReadOnlyList<Factor>? Factors = null, JudgeSettings? Judge = null, RubricSettings? Rubric = null);

/// <summary>
/// Defining and steering experiments. Creating checks everything a run needs before anything runs (the prompt set
/// version, every arm's revision and recipe compile, the cost within limits), so a run never fails on its definition.
/// Only the owner pauses, resumes or cancels.
/// </summary>
public sealed class ExperimentCommands(EventStreams streams, ConstitutionQueries constitutions, PromptSets.PromptSets promptSets,
    ExperimentQueries queries, TimeProvider? clock = null)
{
    private readonly TimeProvider time = clock ?? TimeProvider.System;

    /// <summary>The cost of <paramref name="command"/>, checked as creating would check it, without creating anything.</summary>
    public async Task<ExperimentCost> EstimateAsync(Actor actor, CreateExperiment command, CancellationToken ct = default) =>
        (await CheckAsync(actor, command, ct)).Cost;

    public async Task<ExperimentRow> CreateAsync(Actor actor, CreateExperiment command, Guid commandId, CancellationToken ct = default)
    {
        var (set, cost, rubric) = await CheckAsync(actor, command, ct);
        var created = new ExperimentCreated(commandId, command.Name.Trim(), set.Id, set.Version, set.Items.Select(i => i.Id).ToList(),
            command.Arms, command.Samples, command.Factors ?? [], await JudgeAsync(actor, command.Judge, ct), cost, rubric);
        // The command id names the experiment: a retried create finds its first attempt.
        await streams.AppendAsync(ExperimentStream.Id(commandId), ExpectedVersion.NoStream, [new NewEvent(commandId, created)],
            new EventMetadata(actor.Id, actor.Name, time.GetUtcNow(), commandId), ct);
        return (await queries.ExperimentAsync(commandId, ct))!;
    }

    public Task PauseAsync(Actor actor, Guid id, Guid commandId, CancellationToken ct = default) =>
        SteerAsync(actor, id, commandId, e => e.Status == "running" ? new ExperimentPaused(id) : null, ct);

    public Task ResumeAsync(Actor actor, Guid id, Guid commandId, CancellationToken ct = default) =>
        SteerAsync(actor, id, commandId, e => e.Status == "paused" ? new ExperimentResumed(id) : null, ct);

    public Task CancelAsync(Actor actor, Guid id, Guid commandId, CancellationToken ct = default) =>
        SteerAsync(actor, id, commandId, e => e.Status is "running" or "paused" ? new ExperimentCancelled(id) : null, ct);

    /// <summary>Puts work that failed its last attempt back in the queue, with fresh attempts.</summary>
    public async Task<int> RetryFailedAsync(Actor actor, Guid id, CancellationToken ct = default)
    {
        var experiment = await queries.ExperimentAsync(id, ct) ?? throw new NotFoundException("No such experiment.");
        if (experiment.OwnerId != actor.Id) throw new ForbiddenException("Only the person who started this experiment can retry its failures.");
        if (experiment.Status == "cancelled") throw new ValidationException("status", "The experiment was cancelled; start a new one.");
        return await queries.RetryFailedAsync(id, ct);
    }

    /// <summary>
    /// Asks the judge model for a critique and a revision of the outputs of <paramref name="arms"/> (null: every arm) on
    /// <paramref name="itemIds"/> (null: every item), every sample. Asking again for outputs already asked for adds no
    /// work. Only the owner asks: it spends judge time. The number of outputs asked for is returned.
    /// </summary>
    /// <param name="template">A critique prompt document and its revision (null: the built-in prompt), checked as a judge prompt document is.</param>
    public async Task<int> RequestCritiquesAsync(Actor actor, Guid id, IReadOnlyList<string>? arms, IReadOnlyList<string>? itemIds, Guid commandId,
        (Guid? Document, int? Revision) template = default, CancellationToken ct = default)
    {
        var experiment = await queries.ExperimentAsync(id, ct) ?? throw new NotFoundException("No such experiment.");
        if (experiment.OwnerId != actor.Id) throw new ForbiddenException("Only the person who started this experiment can ask for critiques.");
        if (experiment.Status == "cancelled") throw new ValidationException("status", "The experiment was cancelled; start a new one.");
        var definition = experiment.Definition;
        var chosenArms = Chosen(arms, definition.Arms.Select(a => a.Letter).ToList(), "arms", "arm");
        var chosenItems = Chosen(itemIds, definition.ItemIds, "itemIds", "item");
        await PromptDocumentAsync(actor, "critique", "critique", template.Document, template.Revision, ExperimentJudge.RequiredCritiquePlaceholders,
            "show the reply", ct);
        var version = await streams.VersionAsync(ExperimentStream.Id(id), ct);
        await streams.AppendAsync(ExperimentStream.Id(id), version,
            [new NewEvent(commandId, new CritiquesRequested(id, chosenArms, chosenItems, definition.Samples, template.Document, template.Revision))],
            new EventMetadata(actor.Id, actor.Name, time.GetUtcNow(), commandId), ct);
        return chosenArms.Count * chosenItems.Count * definition.Samples;
    }

    /// <summary>The subset of <paramref name="all"/> asked for (null or empty: all), each one known.</summary>
    private static IReadOnlyList<string> Chosen(IReadOnlyList<string>? asked, IReadOnlyList<string> all, string field, string what)
    {
        if (asked is null || asked.Count == 0) return all;
        if (asked.Count > all.Count) throw new ValidationException(field, $"At most {all.Count} {what}s.");
        if (asked.FirstOrDefault(a => !all.Contains(a)) is { } unknown)
            throw new ValidationException(field, $"The experiment has no {what} '{(unknown.Length > 40 ? unknown[..40] + "…" : unknown)}'.");
        return asked.Distinct().ToList();
    }

    private async Task SteerAsync(Actor actor, Guid id, Guid commandId, Func<ExperimentRow, object?> decide, CancellationToken ct)
    {
        var experiment = await queries.ExperimentAsync(id, ct) ?? throw new NotFoundException("No such experiment.");
        if (experiment.OwnerId != actor.Id) throw new ForbiddenException("Only the person who started this experiment can steer it.");
        // Pausing a paused experiment (or cancelling a cancelled one) is what was asked: nothing to record.
        if (decide(experiment) is not { } change) return;
        var version = await streams.VersionAsync(ExperimentStream.Id(id), ct);
        await streams.AppendAsync(ExperimentStream.Id(id), version, [new NewEvent(commandId, change)],
            new EventMetadata(actor.Id, actor.Name, time.GetUtcNow(), commandId), ct);
    }

    private async Task<(PromptSetState Set, ExperimentCost Cost, RubricSettings? Rubric)> CheckAsync(Actor actor, CreateExperiment command,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(command.Name) || command.Name.Trim().Length > PromptItemRules.MaxNameLength)
            throw new ValidationException("name", $"An experiment's name is 1 to {PromptItemRules.MaxNameLength} characters.");
        var set = (await promptSets.ReadAsync(command.PromptSetId, command.PromptSetVersion, ct))?.State
            ?? throw new ValidationException("promptSet", "No such prompt set, or no such version of it.");
        var cost = ExperimentDesign.Cost(command.Arms, set.Items.Count, command.Samples, command.Rubric?.Sections.Count ?? 0);
        foreach (var arm in command.Arms)
        {
            var slug = await queries.ConstitutionSlugAsync(arm.ConstitutionId, ct);
            DocumentAccess.EnsureRead(slug is null ? null : await constitutions.BySlugAsync(slug, ct), actor);
            var revision = await constitutions.RevisionAsync(arm.ConstitutionId, arm.Revision, ct)
                ?? throw new ValidationException("arms", $"Arm {arm.Letter}: revision {arm.Revision} does not exist.");
            try
            {
                PromptCompiler.Compile(revision.Markdown, revision.Sections, arm.Recipe);
            }
            catch (ArgumentException e)
            {
                throw new ValidationException("arms", $"Arm {arm.Letter}: {e.Message}");
            }
        }
        await JudgeAsync(actor, command.Judge, ct);
        return (set, cost, await RubricAsync(actor, command, ct));
    }

    private async Task<JudgeSettings?> JudgeAsync(Actor actor, JudgeSettings? judge, CancellationToken ct)
    {
        if (judge is null) return null;
        if (judge.Model is { Length: > 200 }) throw new ValidationException("judge", "The judge's model name is too long.");
        await PromptDocumentAsync(actor, "judge", "judge", judge.PromptDocumentId, judge.PromptRevision, ExperimentJudge.RequiredPlaceholders,
            "show both replies", ct);
        return judge;
    }

    /// <summary>
    /// A judge, rubric or critique prompt kept as a document must be a revision the person asking may read (what the
    /// judge writes is shown to the experiment's readers, so a private text must not reach them through it), and it must
    /// hold the placeholders its kind needs (<paramref name="required"/>; <paramref name="why"/> says what they are for).
    /// Neither id nor revision (the built-in prompt) needs no check.
    /// </summary>
    private async Task PromptDocumentAsync(Actor actor, string field, string kind, Guid? document, int? number, IReadOnlyList<string> required,
        string why, CancellationToken ct)
    {
        if (document is null && number is null) return;
        if (document is not { } id || number is not { } n)
            throw new ValidationException(field, $"A {kind} prompt document needs both the document and its revision.");
        var slug = await queries.ConstitutionSlugAsync(id, ct);
        var row = slug is null ? null : await constitutions.BySlugAsync(slug, ct);
        if (row is null || !DocumentAccess.CanRead(row, actor))
            throw new ValidationException(field, $"The {kind} prompt document does not exist, or you cannot read it.");
        var revision = await constitutions.RevisionAsync(id, n, ct)
            ?? throw new ValidationException(field, $"The {kind} prompt document has no revision {n}.");
        var missing = required.Where(p => !revision.Markdown.Contains(p, StringComparison.Ordinal)).ToList();
        if (missing.Count > 0)
            throw new ValidationException(field, $"The {kind} prompt must {why}: revision {n} lacks {string.Join(" and ", missing)}.");
    }

    /// <summary>
    /// The rubric's sections must be sections of the reference revision (the first arm's, which the judge scores every
    /// arm against, as the pairwise judge does); their headings are taken from it.
    /// </summary>
    private async Task<RubricSettings?> RubricAsync(Actor actor, CreateExperiment command, CancellationToken ct)
    {
        if (command.Rubric is not { } rubric) return null;
        if (rubric.Sections is null || rubric.Sections.Count == 0) throw new ValidationException("rubric", "Pick at least one section to score.");
        if (rubric.Sections.Count > ExperimentDesign.MaxRubricSections)
            throw new ValidationException("rubric", $"A rubric scores at most {ExperimentDesign.MaxRubricSections} sections.");
        if (rubric.Sections.Select(r => r.Id).Distinct().Count() != rubric.Sections.Count)
            throw new ValidationException("rubric", "Each section is scored once.");
        var reference = command.Arms[0];
        var revision = (await constitutions.RevisionAsync(reference.ConstitutionId, reference.Revision, ct))!;
        var sections = new List<RubricSection>();
        foreach (var wanted in rubric.Sections)
        {
            var section = revision.Sections.FirstOrDefault(s => s.Id == wanted.Id) ?? throw new ValidationException("rubric",
                $"Arm {reference.Letter}'s revision {reference.Revision} has no section '{(wanted.Id?.Length > 40 ? wanted.Id[..40] + "…" : wanted.Id)}'.");
            sections.Add(new RubricSection(section.Id, section.Heading));
        }
        if (rubric.Model is { Length: > 200 }) throw new ValidationException("rubric", "The rubric's model name is too long.");
        await PromptDocumentAsync(actor, "rubric", "rubric", rubric.PromptDocumentId, rubric.PromptRevision, ExperimentJudge.RequiredRubricPlaceholders,
            "show the reply and the section's heading", ct);
        return new RubricSettings(sections, rubric.Model, rubric.PromptDocumentId, rubric.PromptRevision);
    }
}
