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
    /// <summary>TRL DPO preference pairs from judge verdicts, at least <see cref="TrainingRequest.MinMargin"/> apart.</summary>
    Dpo,
    /// <summary>
    /// Prompt self-distillation: outputs generated with the full constitution as system prompt, exported with a
    /// plain system prompt (or none), so fine-tuning moves the behaviour from the prompt into the weights.
    /// </summary>
    SelfDistillation,
}

/// <param name="Arm">For SFT and distillation: the arm whose outputs to export (null: every arm).</param>
/// <param name="MinMargin">For DPO: 1 when both judge orders agreed, 0.5 when one order decided and the other tied.</param>
/// <param name="PlainSystemPrompt">For distillation (and DPO prompts): the system prompt to train with; null or empty: none.</param>
public sealed record TrainingRequest(TrainingFormat Format, string? Arm = null, double MinMargin = 1, string? PlainSystemPrompt = null);

/// <summary>What an export reads: the experiment, its items and compiled prompts, outputs and verdicts.</summary>
public sealed record TrainingSource(ExperimentCreated Experiment, IReadOnlyDictionary<string, PromptItem> Items,
    IReadOnlyDictionary<string, CompiledPrompt> Prompts, IReadOnlyList<OutputRow> Outputs, IReadOnlyList<JudgmentRow> Judgments);

/// <summary>
/// Training data from an experiment, one JSON object per line, every record with its provenance (experiment, arm,
/// revision, hash of the compiled constitution, model, seed, and for preferences the judge and the margin). The
/// formats are pinned by Schemas/training.schema.json and tested against it.
/// </summary>
public static class TrainingExports
{
    public static string Jsonl(TrainingSource source, TrainingRequest request)
    {
        if (request.Arm is { } arm && source.Experiment.Arms.All(a => a.Letter != arm))
            throw new ValidationException("arm", $"The experiment has no arm '{arm}'.");
        if (request.MinMargin is < 0 or > 1) throw new ValidationException("minMargin", "The minimum margin is 0 to 1.");
        var text = new StringBuilder();
        foreach (var record in Records(source, request)) text.Append(record.ToJsonString()).Append('\n');
        return text.ToString();
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
                foreach (var j in source.Judgments)
                {
                    var margin = Margin(j);
                    if (j.Verdict == "tie" || margin < request.MinMargin) continue;
                    var loser = j.Verdict == j.ArmA ? j.ArmB : j.ArmA;
                    var (chosen, rejected) = (byKey[(j.Verdict, j.ItemId, j.Sample)], byKey[(loser, j.ItemId, j.Sample)]);
                    var provenance = Provenance(source, chosen);
                    provenance["rejectedArm"] = loser;
                    provenance["rejectedRecipeHash"] = rejected.PromptHash;
                    provenance["judge"] = $"{j.JudgeModel} / {j.Template} r{j.TemplateRevision}";
                    provenance["margin"] = margin;
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
