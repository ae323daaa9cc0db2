using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Features.Annotations;

namespace ConstitutionHub.Web.Features.Experiments;

/// <summary>A finding made from an effect, and where to read it.</summary>
public sealed record EffectFinding(Guid FindingId, string Slug)
{
    public string Href => $"/c/{Slug}?annotation={FindingId}";
}

/// <summary>
/// Turns a section effect of a factorial experiment into a finding on the living document: anchored to the start of
/// that section's text in the revision the arms ran (carried to the newest revision like any annotation), claiming the
/// variant's effect with the experiment as its evidence. Annotation access decides who may, as for any finding.
/// </summary>
public sealed class EffectFindings(AnnotationService annotations, RevisionTexts texts, ConstitutionQueries constitutions, ExperimentQueries queries)
{
    /// <summary>How much of the section the anchor quotes: enough to find it again after edits, short enough to read.</summary>
    public const int QuoteLength = 160;

    public async Task<EffectFinding> CreateAsync(Actor actor, ExperimentRow experiment, SectionEffect effect, string source, Guid commandId)
    {
        var arm = experiment.Definition.Arms.FirstOrDefault(a => a.Levels is { } levels && levels.GetValueOrDefault(effect.SectionId) == effect.Variant)
            ?? throw new ValidationException("effect", "No arm of this experiment runs that variant.");
        var slug = await queries.ConstitutionSlugAsync(arm.ConstitutionId) ?? throw new NotFoundException("The experiment's constitution is gone.");
        var constitution = await constitutions.BySlugAsync(slug) ?? throw new NotFoundException("The experiment's constitution is gone.");
        var section = (await texts.GetAsync(arm.ConstitutionId, arm.Revision))?.Document[effect.SectionId]
            ?? throw new ValidationException("effect", $"Revision {arm.Revision} has no section '{effect.SectionId}'.");
        var (exact, start) = Quote(section);
        // An interval that holds zero claims no direction.
        var direction = effect.Lower > 0 ? FindingDirection.Helps : effect.Upper < 0 ? FindingDirection.Hurts : FindingDirection.NoEffect;
        var behaviour = source == "judge" ? "win rate judged by the AI judge" : "win rate in people's blind votes";
        var claim = new FindingClaim([effect.SectionId], [effect.Variant], behaviour, direction, FindingStrength.Experiment);
        var body = $"{effect.SentenceFor(source)} From the experiment \"{experiment.Name}\" ({(source == "judge" ? "AI judge" : "people's votes")}).";
        var id = await annotations.CreateAsync(actor, constitution,
            new NewAnnotation(arm.Revision, effect.SectionId, exact, start, AnnotationKind.Finding, body, claim), commandId);
        await annotations.WriteAsync(id, c => c.AddEvidenceAsync(actor, id,
            new NewEvidence(EvidenceKind.Experiment, $"experiment:{experiment.Id}", EvidenceRelation.Supports, effect.SentenceFor(source)),
            Guid.NewGuid()));
        return new EffectFinding(id, slug);
    }

    /// <summary>The section's first line of text (its first <see cref="QuoteLength"/> characters at most).</summary>
    private static (string Exact, int Start) Quote(SectionText section)
    {
        var text = section.Text;
        var start = text.TakeWhile(char.IsWhiteSpace).Count();
        if (start == text.Length) throw new ValidationException("effect", $"Section '{section.Heading}' has no text to anchor a finding to.");
        var end = text.IndexOf('\n', start);
        end = Math.Min(end < 0 ? text.Length : end, start + QuoteLength);
        return (text[start..end].TrimEnd(), start);
    }
}
