using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.TrainedModels;
using ConstitutionHub.Web.Features.Experiments;

namespace ConstitutionHub.Web.Features.TrainedModels;

/// <summary>A revision a model was trained under, with the constitution's slug for the link.</summary>
public sealed record LineageRevision(Guid ConstitutionId, string Slug, int Revision)
{
    public string Url => $"/c/{Slug}/r/{Revision}";
}

/// <summary>Where a model's training data came from, as far as the viewer may read it.</summary>
public sealed record Lineage(string ExportId, string ExportFormat, Guid ExperimentId, string ExperimentName, IReadOnlyList<LineageRevision> Revisions)
{
    public string ExportUrl => $"/api/training-exports/{ExportId}";
    public string ExperimentUrl => $"/experiments/{ExperimentId}";
}

/// <summary>A registered model as one viewer sees it: <see cref="Lineage"/> is null when its experiment is not theirs to read.</summary>
public sealed record TrainedModelView(TrainedModelRow Model, Lineage? Lineage)
{
    public string CardUrl => $"/models/trained/{Model.Id}";
}

/// <summary>
/// The models page, the card and the API show a model's lineage only to those who may read its experiment: a private
/// constitution's experiment names, revisions and exports are not for everyone (the model itself, its folder's facts and
/// its description are public, like the catalog).
/// </summary>
public sealed class TrainedModelViews(ModelRegistry models, ExperimentQueries experiments, ConstitutionQueries constitutions)
{
    public async Task<IReadOnlyList<TrainedModelView>> ListAsync(Actor? viewer, bool withdrawn = false, CancellationToken ct = default)
    {
        var views = new List<TrainedModelView>();
        foreach (var model in await models.ListAsync(withdrawn, ct)) views.Add(await ViewAsync(model, viewer, ct));
        return views;
    }

    public async Task<TrainedModelView?> FindAsync(Guid id, Actor? viewer, CancellationToken ct = default) =>
        await models.FindAsync(id, ct) is { } model ? await ViewAsync(model, viewer, ct) : null;

    public async Task<TrainedModelView> ViewAsync(TrainedModelRow model, Actor? viewer, CancellationToken ct = default)
    {
        ExperimentRow experiment;
        try
        {
            experiment = await ExperimentAccess.ReadableAsync(experiments, constitutions, model.ExperimentId, viewer);
        }
        catch (NotFoundException)
        {
            return new TrainedModelView(model, null);
        }
        var revisions = new List<LineageRevision>();
        foreach (var r in model.Revisions)
            revisions.Add(new LineageRevision(r.ConstitutionId, await experiments.ConstitutionSlugAsync(r.ConstitutionId, ct) ?? "", r.Revision));
        return new TrainedModelView(model, new Lineage(model.ExportId, model.ExportFormat, experiment.Id, experiment.Name, revisions));
    }
}
