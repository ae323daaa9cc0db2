using ConstitutionHub.Core.Annotations;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.People;

namespace ConstitutionHub.Web.Features.Annotations;

/// <summary>What the page and the API share: every write announced to readers on all nodes, reads that first carry
/// annotations onto a revision that arrived without them.</summary>
public sealed class AnnotationService(AnnotationCommands commands, AnnotationQueries queries, ConstitutionQueries constitutions, AnnotationFeed feed)
{
    public AnnotationCommands Commands => commands;
    public AnnotationQueries Queries => queries;

    public async Task<IReadOnlyList<AnnotationView>> ForRevisionAsync(ConstitutionRow constitution, int revision, CancellationToken ct = default)
    {
        if (revision > 0 && (await queries.PendingAsync(constitution.Id, constitution.HeadRevision, ct)).Count > 0)
            await commands.CarryForwardAsync(constitution.Id, ct);
        return await queries.ForRevisionAsync(constitution.Id, revision, ct);
    }

    /// <summary>Runs a write and tells readers of the annotation's constitution.</summary>
    public async Task<T> WriteAsync<T>(Guid constitutionId, Func<AnnotationCommands, Task<T>> write)
    {
        var result = await write(commands);
        await feed.AnnounceAsync(constitutionId);
        return result;
    }

    public async Task WriteAsync(Guid annotationId, Func<AnnotationCommands, Task> write)
    {
        await write(commands);
        if (await queries.ConstitutionOfAsync(annotationId) is { } constitution) await feed.AnnounceAsync(constitution);
    }

    public async Task<Guid> CreateAsync(Actor actor, ConstitutionRow constitution, NewAnnotation annotation, Guid commandId) =>
        await WriteAsync(constitution.Id, c => c.CreateAsync(actor, constitution.Slug, annotation, commandId));

    /// <summary>Which sections of the newest revision changed since the finding's basis (its stale reason).</summary>
    public async Task<IReadOnlyList<string>> StaleSectionsAsync(AnnotationRow finding, IReadOnlyList<SectionInfo>? head = null)
    {
        head ??= (await constitutions.RevisionAsync(finding.ConstitutionId, (await constitutions.BySlugAsync(
            await queries.ConstitutionSlugAsync(finding.ConstitutionId) ?? ""))?.HeadRevision ?? 0))?.Sections ?? [];
        return FindingStaleness.ChangedSections(finding.BasisHashes, head);
    }
}
