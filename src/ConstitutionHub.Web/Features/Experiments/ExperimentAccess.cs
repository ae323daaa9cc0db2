using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Web.Features.Experiments;

public static class ExperimentAccess
{
    /// <summary>The experiment, if <paramref name="viewer"/> may read every constitution its arms run; otherwise "not found".</summary>
    public static async Task<ExperimentRow> ReadableAsync(ExperimentQueries queries, ConstitutionQueries constitutions, Guid id, Actor? viewer)
    {
        var row = await queries.ExperimentAsync(id) ?? throw new NotFoundException("No such experiment.");
        foreach (var constitutionId in row.Definition.Arms.Select(a => a.ConstitutionId).Distinct())
        {
            var slug = await queries.ConstitutionSlugAsync(constitutionId);
            var constitution = slug is null ? null : await constitutions.BySlugAsync(slug);
            if (constitution is null || !DocumentAccess.CanRead(constitution, viewer)) throw new NotFoundException("No such experiment.");
        }
        return row;
    }

    /// <summary>
    /// For the actions only the person who started an experiment may take (steering it, critiques, study links): anyone
    /// else who cannot read it gets "not found", as for an experiment that does not exist, before the action's own check
    /// tells a reader it is not theirs (403). The one who started it is not asked to read it again: stopping a run stays
    /// possible after losing access to a constitution it runs.
    /// </summary>
    public static async Task HideFromNonReadersAsync(ExperimentQueries queries, ConstitutionQueries constitutions, Guid id, Actor actor)
    {
        var row = await queries.ExperimentAsync(id) ?? throw new NotFoundException("No such experiment.");
        if (row.OwnerId != actor.Id) await ReadableAsync(queries, constitutions, id, actor);
    }
}
