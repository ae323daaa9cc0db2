using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Inference;
using ConstitutionHub.Web.Features.Chats;

namespace ConstitutionHub.Web.Features.Experiments;

/// <summary>
/// "Open as chat": one experiment output becomes a chat of the viewer's own, under the arm's revision and recipe, with
/// the item's turns and the output as the reply, so a person can continue the conversation where the run left it.
/// The chat records the model, the output's seed and its experiment (the reply's node names experiment, arm, item and
/// sample), and the arm's prompt is compiled again: an output whose prompt no longer compiles the same is refused.
/// </summary>
public sealed class OutputChats(ExperimentQueries experiments, ConstitutionQueries constitutions, Core.PromptSets.PromptSets promptSets,
    ChatCommands chats, IModelCatalog catalog)
{
    public static string Node(Guid experimentId, string arm, string itemId, int sample) => $"experiment/{experimentId:N}/{arm}/{itemId}/{sample}";

    public async Task<ChatRow> OpenAsync(Actor actor, Guid experimentId, string arm, string itemId, int sample, Guid commandId,
        CancellationToken ct = default)
    {
        var experiment = await ExperimentAccess.ReadableAsync(experiments, constitutions, experimentId, actor);
        var definition = experiment.Definition;
        var armDefinition = definition.Arms.FirstOrDefault(a => a.Letter == arm) ?? throw new ValidationException("arm", $"The experiment has no arm '{arm}'.");
        var output = (await experiments.OutputsAsync(experimentId, ct)).FirstOrDefault(o => o.Arm == arm && o.ItemId == itemId && o.Sample == sample)
            ?? throw new ValidationException("output", $"Arm {arm} has no output for item '{itemId}', sample {sample} (yet).");
        var set = await promptSets.ReadAsync(definition.PromptSetId, definition.PromptSetVersion, ct)
            ?? throw new NotFoundException("The experiment's prompt set version is gone.");
        var item = set.State.Items.FirstOrDefault(i => i.Id == itemId) ?? throw new ValidationException("itemId", $"The prompt set has no item '{itemId}'.");
        var model = catalog.Models.FirstOrDefault(m => m.Id == output.Model)
            ?? throw new ValidationException("model", $"The model '{output.Model}' that wrote this output is not available on this server.");
        var slug = await experiments.ConstitutionSlugAsync(armDefinition.ConstitutionId, ct) ?? throw new NotFoundException("The arm's constitution is gone.");

        var provenance = await chats.ProvenanceAsync(actor, slug, armDefinition.Revision, armDefinition.Recipe.Choices, ModelRecords.From(model),
            Sampling(armDefinition.Sampling, output.Seed), ct);
        if (provenance.PromptHash != output.PromptHash)
            throw new ValidationException("output", $"Arm {arm}'s revision and recipe no longer compile to the prompt this output was generated with.");

        List<TranscriptTurn> turns =
        [
            .. item.Turns.Select(t => new TranscriptTurn(t.Role == "assistant" ? ChatRole.Assistant : ChatRole.User, t.Content)),
            new(ChatRole.Assistant, output.Output, output.FinishReason == "length" ? "length" : "stop", Math.Max(output.CompletionTokens ?? 0, 0)),
        ];
        var title = $"{experiment.Name} · arm {arm} · {itemId}" + (sample > 0 ? $" #{sample}" : "");
        return await chats.StartTranscriptAsync(actor, provenance, title, turns, Node(experimentId, arm, itemId, sample), commandId, ct);
    }

    /// <summary>The arm's sampling as the run used it (the engine's defaults where the arm chose none) and the output's seed,
    /// so a regenerated reply samples as the experiment did.</summary>
    private static SamplingRecord Sampling(ArmSampling? arm, long seed)
    {
        var defaults = new SamplingSettings();
        return new SamplingRecord(arm?.Temperature ?? defaults.Temperature, defaults.TopK, arm?.TopP ?? defaults.TopP, defaults.MinP,
            defaults.RepetitionPenalty, arm?.MaxTokens ?? ExperimentDesign.DefaultMaxTokens, seed, []);
    }
}
