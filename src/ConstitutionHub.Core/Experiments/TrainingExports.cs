using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.PromptSets;

namespace ConstitutionHub.Core.Experiments;

public enum TrainingFormat
{
    /// <summary>OpenAI chat fine-tuning JSONL: <c>messages</c> with the compiled constitution as system prompt.</summary>
    SftOpenAi,
    /// <summary>TRL SFT, conversational prompt-completion.</summary>
    SftTrl,
    /// <summary>TRL DPO preference pairs from judge verdicts (or people's votes, or rubric scores), at least <see cref="TrainingRequest.MinMargin"/> apart.</summary>
    Dpo,
    /// <summary>
    /// Prompt self-distillation: outputs generated with the full constitution as system prompt, exported with a
    /// plain system prompt (or none), so fine-tuning moves the behaviour from the prompt into the weights.
    /// </summary>
    SelfDistillation,
}

/// <param name="Arm">For SFT and distillation: the arm whose outputs to export (null: every arm).</param>
/// <summary>Who decided a DPO preference.</summary>
public enum PreferenceSource
{
    /// <summary>The pairwise judge's verdicts.</summary>
    Judge,
    /// <summary>People's blind votes, their majority per pair.</summary>
    People,
    /// <summary>Rubric scores: of two arms' outputs on the same item and sample, the one with the higher mean score.</summary>
    Rubric,
}

/// <param name="Arm">For SFT and distillation: the arm whose outputs to export (null: every arm).</param>
/// <param name="MinMargin">For DPO from the judge: 1 when both judge orders agreed, 0.5 when one order decided and the other tied.
/// From people: (votes for the majority − votes against) / counted votes (<see cref="HumanAgreement.Margin"/>).
/// From the rubric: the difference of the two outputs' mean scores over the 4 points of the scale (0.25: one point).</param>
/// <param name="PlainSystemPrompt">For distillation (and DPO prompts): the system prompt to train with; null or empty: none.</param>
/// <param name="From">For DPO: whose preferences.</param>
public sealed record TrainingRequest(TrainingFormat Format, string? Arm = null, double MinMargin = 1, string? PlainSystemPrompt = null,
    PreferenceSource From = PreferenceSource.Judge);

/// <summary>What an export reads: the experiment, its items and compiled prompts, outputs, verdicts, people's votes,
/// rubric scores and critiques.</summary>
public sealed record TrainingSource(ExperimentCreated Experiment, IReadOnlyDictionary<string, PromptItem> Items,
    IReadOnlyDictionary<string, CompiledPrompt> Prompts, IReadOnlyList<OutputRow> Outputs, IReadOnlyList<JudgmentRow> Judgments,
    IReadOnlyList<HumanVoteRow>? HumanVotes = null, IReadOnlyList<ScoreRow>? Scores = null, IReadOnlyList<CritiqueRow>? Critiques = null);

/// <summary>An export's file and its identity.</summary>
public sealed record TrainingExport(string Jsonl, TrainingExportFacts Facts);

/// <summary>An arm whose outputs are in an export: its constitution revision and the recipe hashes of its records.</summary>
public sealed record ExportedArm(string Letter, Guid ConstitutionId, int Revision, IReadOnlyList<string> RecipeHashes);

/// <summary>What identifies an export: <paramref name="ExportId"/> is the lowercase hex SHA-256 of its JSONL.</summary>
public sealed record TrainingExportFacts(string ExportId, Guid ExperimentId, string Format, IReadOnlyList<ExportedArm> Arms, int Records);

/// <summary>One preferred output over another, from whoever decided it (named in the provenance), with its margin.</summary>
internal sealed record Preference(PairKey Pair, string Winner, double Margin, string DecidedBy);

/// <summary>
/// Training data from an experiment, one JSON object per line, every record with its provenance (experiment, arm,
/// revision, hash of the compiled constitution, model, seed, and for preferences the judge and the margin). The
/// formats are pinned by Schemas/training.schema.json and tested against it.
/// </summary>
public static class TrainingExports
{
    /// <summary>The formats by the names the API and the recorded exports use.</summary>
    public static readonly IReadOnlyDictionary<string, TrainingFormat> Formats = new Dictionary<string, TrainingFormat>(StringComparer.Ordinal)
    {
        ["sft-openai"] = TrainingFormat.SftOpenAi, ["sft-trl"] = TrainingFormat.SftTrl, ["dpo"] = TrainingFormat.Dpo,
        ["distill"] = TrainingFormat.SelfDistillation,
    };

    public static string NameOf(TrainingFormat format) => Formats.Single(f => f.Value == format).Key;

    public static string Jsonl(TrainingSource source, TrainingRequest request) => Export(source, request).Jsonl;

    /// <summary>
    /// The export and what identifies it: its id is the SHA-256 of the file (so <c>sha256sum</c> of a downloaded copy
    /// names it), with the experiment, format, record count and, per arm in it, the revision and recipe hashes.
    /// </summary>
    public static TrainingExport Export(TrainingSource source, TrainingRequest request)
    {
        if (request.Arm is { } arm && source.Experiment.Arms.All(a => a.Letter != arm))
            throw new ValidationException("arm", $"The experiment has no arm '{arm}'.");
        if (request.MinMargin is < 0 or > 1) throw new ValidationException("minMargin", "The minimum margin is 0 to 1.");
        var text = new StringBuilder();
        var recipes = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var records = 0;
        foreach (var record in Records(source, request))
        {
            text.Append(record.ToJsonString()).Append('\n');
            records++;
            var metadata = record["metadata"]!.AsObject();
            Note(recipes, (string)metadata["arm"]!, (string)metadata["recipeHash"]!);
            if (metadata["rejectedArm"] is { } rejected) Note(recipes, (string)rejected!, (string)metadata["rejectedRecipeHash"]!);
        }
        var jsonl = text.ToString();
        var arms = recipes.Select(r =>
        {
            var a = source.Experiment.Arms.Single(x => x.Letter == r.Key);
            return new ExportedArm(a.Letter, a.ConstitutionId, a.Revision, [.. r.Value]);
        }).ToList();
        var id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(jsonl)));
        return new TrainingExport(jsonl, new TrainingExportFacts(id, source.Experiment.Id, NameOf(request.Format), arms, records));
    }

    private static void Note(SortedDictionary<string, SortedSet<string>> recipes, string arm, string recipeHash)
    {
        if (!recipes.TryGetValue(arm, out var hashes)) recipes[arm] = hashes = new SortedSet<string>(StringComparer.Ordinal);
        hashes.Add(recipeHash);
    }

    private static IEnumerable<JsonObject> Records(TrainingSource source, TrainingRequest request)
    {
        var outputs = source.Outputs.Where(o => request.Arm is null || o.Arm == request.Arm);
        switch (request.Format)
        {
            case TrainingFormat.SftOpenAi:
                foreach (var o in outputs)
                    yield return new JsonObject
                    {
                        ["messages"] = Messages([.. Prompt(source, o, source.Prompts[o.Arm].Text), Assistant(o.Output)]),
                        ["metadata"] = Provenance(source, o),
                    };
                break;
            case TrainingFormat.SftTrl:
                foreach (var o in outputs)
                    yield return new JsonObject
                    {
                        ["prompt"] = Messages(Prompt(source, o, source.Prompts[o.Arm].Text)),
                        ["completion"] = Messages([Assistant(o.Output)]),
                        ["metadata"] = Provenance(source, o),
                    };
                break;
            case TrainingFormat.SelfDistillation:
                foreach (var o in outputs)
                    yield return new JsonObject
                    {
                        ["messages"] = Messages([.. Prompt(source, o, request.PlainSystemPrompt), Assistant(o.Output)]),
                        ["metadata"] = Provenance(source, o),
                    };
                break;
            case TrainingFormat.Dpo:
                var byKey = source.Outputs.ToDictionary(o => (o.Arm, o.ItemId, o.Sample));
                var preferences = request.From switch
                {
                    PreferenceSource.People => PeoplesPreferences(source.HumanVotes ?? []),
                    PreferenceSource.Rubric => RubricPreferences(source),
                    _ => JudgePreferences(source.Judgments),
                };
                foreach (var p in preferences)
                {
                    if (p.Winner == "tie" || p.Margin < request.MinMargin) continue;
                    var loser = p.Winner == p.Pair.ArmA ? p.Pair.ArmB : p.Pair.ArmA;
                    var (chosen, rejected) = (byKey[(p.Winner, p.Pair.ItemId, p.Pair.Sample)], byKey[(loser, p.Pair.ItemId, p.Pair.Sample)]);
                    var provenance = Provenance(source, chosen);
                    provenance["rejectedArm"] = loser;
                    provenance["rejectedRecipeHash"] = rejected.PromptHash;
                    provenance["judge"] = p.DecidedBy;
                    provenance["margin"] = p.Margin;
                    yield return new JsonObject
                    {
                        ["prompt"] = Messages(Prompt(source, chosen, request.PlainSystemPrompt)),
                        ["chosen"] = Messages([Assistant(chosen.Output)]),
                        ["rejected"] = Messages([Assistant(rejected.Output)]),
                        ["metadata"] = provenance,
                    };
                }
                break;
        }
    }

    private static IEnumerable<Preference> JudgePreferences(IReadOnlyList<JudgmentRow> judgments) =>
        judgments.Select(j => new Preference(new PairKey(j.ArmA, j.ArmB, j.ItemId, j.Sample), j.Verdict, Margin(j),
            $"{j.JudgeModel} / {j.Template} r{j.TemplateRevision}"));

    /// <summary>The people's majority on each pair they voted on ("both bad" votes left out).</summary>
    private static IEnumerable<Preference> PeoplesPreferences(IReadOnlyList<HumanVoteRow> votes) =>
        votes.GroupBy(v => v.Pair).Select(g =>
        {
            var verdicts = g.Select(v => v.Verdict).ToList();
            var majority = HumanAgreement.Majority(verdicts) ?? HumanChoice.Tie;
            return new Preference(g.Key, majority, HumanAgreement.Margin(g.Key, majority, verdicts), $"people ({verdicts.Count} votes)");
        });

    /// <summary>
    /// Every pair of arms' outputs on the same item and sample, both scored on every rubric section: the higher mean
    /// wins (equal means: a tie), with margin |difference| / 4, the scale's span.
    /// </summary>
    private static IEnumerable<Preference> RubricPreferences(TrainingSource source)
    {
        var scores = source.Scores ?? [];
        if (source.Experiment.Rubric is not { } rubric || scores.Count == 0) yield break;
        var means = RubricResults.OutputMeans(scores, rubric.Sections.Count);
        var judge = scores[0];
        var decidedBy = $"{judge.JudgeModel} / {judge.Template} r{judge.TemplateRevision}";
        var letters = source.Experiment.Arms.Select(a => a.Letter).ToList();
        foreach (var (itemId, sample) in means.Keys.Select(k => (k.ItemId, k.Sample)).Distinct().OrderBy(k => k.ItemId, StringComparer.Ordinal).ThenBy(k => k.Sample))
            for (var i = 0; i < letters.Count; i++)
                for (var j = i + 1; j < letters.Count; j++)
                {
                    if (!means.TryGetValue((letters[i], itemId, sample), out var a) || !means.TryGetValue((letters[j], itemId, sample), out var b)) continue;
                    yield return new Preference(new PairKey(letters[i], letters[j], itemId, sample), a > b ? letters[i] : b > a ? letters[j] : "tie",
                        Math.Abs(a - b) / 4, decidedBy);
                }
    }

    /// <summary>
    /// Critique-and-revision records (constitutional AI, supervised stage), one per output whose critique is done: the
    /// item's turns as the prompt, the output, the judge's critique, the sections it cites and the revised output, with
    /// the provenance of the output and the judge that wrote the critique. Pinned by Schemas/critique.schema.json.
    /// </summary>
    public static string CritiquesJsonl(TrainingSource source, string? arm = null)
    {
        if (arm is not null && source.Experiment.Arms.All(a => a.Letter != arm)) throw new ValidationException("arm", $"The experiment has no arm '{arm}'.");
        var outputs = source.Outputs.ToDictionary(o => (o.Arm, o.ItemId, o.Sample));
        var text = new StringBuilder();
        foreach (var c in (source.Critiques ?? []).Where(c => arm is null || c.Arm == arm))
        {
            if (!outputs.TryGetValue((c.Arm, c.ItemId, c.Sample), out var output)) continue;
            var provenance = Provenance(source, output);
            provenance["judge"] = $"{c.JudgeModel} / {c.Template} r{c.TemplateRevision}";
            var record = new JsonObject
            {
                ["prompt"] = Messages(Prompt(source, output, null)),
                ["output"] = output.Output,
                ["critique"] = c.Critique,
                ["cited_sections"] = new JsonArray(c.CitedSections.Select(id => (JsonNode)JsonValue.Create(id)!).ToArray()),
                ["revision"] = c.Revision,
                ["metadata"] = provenance,
            };
            text.Append(record.ToJsonString()).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>How firmly the judge preferred the winner: both orders (1), one order with the other a tie (0.5).</summary>
    public static double Margin(JudgmentRow j) =>
        j.FirstOrder == j.SecondOrder ? (j.Verdict == "tie" ? 0 : 1) : j.FirstOrder == "tie" || j.SecondOrder == "tie" ? 0.5 : 0;

    private static List<(string Role, string Content)> Prompt(TrainingSource source, OutputRow o, string? system)
    {
        var turns = source.Items[o.ItemId].Turns.Select(t => (t.Role, t.Content)).ToList();
        if (!string.IsNullOrEmpty(system)) turns.Insert(0, ("system", system));
        return turns;
    }

    private static (string Role, string Content) Assistant(string content) => ("assistant", content);

    private static JsonArray Messages(IEnumerable<(string Role, string Content)> messages) =>
        new(messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content }).ToArray());

    private static JsonObject Provenance(TrainingSource source, OutputRow o)
    {
        var arm = source.Experiment.Arms.Single(a => a.Letter == o.Arm);
        return new JsonObject
        {
            ["experimentId"] = source.Experiment.Id.ToString(),
            ["arm"] = o.Arm,
            ["constitutionId"] = arm.ConstitutionId.ToString(),
            ["revision"] = arm.Revision,
            ["recipeHash"] = o.PromptHash,
            ["model"] = o.Model,
            ["seed"] = o.Seed,
            ["itemId"] = o.ItemId,
            ["sample"] = o.Sample,
        };
    }
}
