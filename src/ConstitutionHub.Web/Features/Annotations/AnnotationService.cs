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
        await CarryPendingAsync(constitution, revision, ct);
        return await queries.ForRevisionAsync(constitution.Id, revision, ct);
    }

    /// <summary>Whether <paramref name="read"/>, threads of <paramref name="revision"/> read a moment ago (while the page
    /// was prerendered), are what <see cref="ForRevisionAsync"/> would read now: two small queries instead of every thread
    /// with its comments again.</summary>
    public async Task<bool> StillCurrentAsync(ConstitutionRow constitution, int revision, IReadOnlyList<AnnotationView> read, CancellationToken ct = default)
    {
        await CarryPendingAsync(constitution, revision, ct);
        return await queries.VersionAsync(constitution.Id, revision, ct) == ThreadsVersion.Of(read);
    }

    private async Task CarryPendingAsync(ConstitutionRow constitution, int revision, CancellationToken ct)
    {
        if (revision > 0 && (await queries.PendingAsync(constitution.Id, constitution.HeadRevision, ct)).Count > 0)
            await commands.CarryForwardAsync(constitution.Id, ct);
    }

    /// <summary>Every version of a comment, for a reader of its constitution (checked here, with the constitution as it is
    /// now); 404 for a thread or comment the reader cannot see, or a deleted comment.</summary>
    public async Task<IReadOnlyList<CommentVersion>> HistoryAsync(Actor? viewer, Guid annotationId, Guid commentId, CancellationToken ct = default)
    {
        var constitutionId = await queries.ConstitutionOfAsync(annotationId, ct) ?? throw new NotFoundException("No such annotation.");
        var slug = await queries.ConstitutionSlugAsync(constitutionId, ct);
        DocumentAccess.EnsureRead(slug is null ? null : await constitutions.BySlugAsync(slug, ct), viewer);
        return await queries.HistoryAsync(annotationId, commentId, ct) ?? throw new NotFoundException("No such comment.");
    }

    /// <summary>The threads whose anchor changed between two revisions (either order), once every thread is carried
    /// onto the newest; the caller has checked the reader may read the constitution.</summary>
    public async Task<IReadOnlyList<ReanchoredRow>> ReanchoredAsync(ConstitutionRow constitution, int from, int to, CancellationToken ct = default)
    {
        var (older, newer) = from <= to ? (from, to) : (to, from);
        if (older == newer) return [];
        if ((await queries.PendingAsync(constitution.Id, constitution.HeadRevision, ct)).Count > 0)
            await commands.CarryForwardAsync(constitution.Id, ct);
        return await queries.ReanchoredAsync(constitution.Id, older, newer, ct);
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
