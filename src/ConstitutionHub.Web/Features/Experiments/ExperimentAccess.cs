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
}
