using System.Collections.Concurrent;
using ConstitutionHub.Core.Annotations.Anchoring;
using ConstitutionHub.Core.Documents;

namespace ConstitutionHub.Core.Annotations;

/// <summary>Reading texts of revisions, kept a while: a revision never changes, and re-anchoring a thousand
/// annotations onto one revision should render its sections once.</summary>
public sealed class RevisionTexts(ConstitutionQueries constitutions)
{
    private const int Capacity = 256;
    private readonly ConcurrentDictionary<(Guid, int), (Revision Revision, AnchorDocument Document)> _cache = new();

    public async Task<(Revision Revision, AnchorDocument Document)?> GetAsync(Guid constitutionId, int number, CancellationToken ct = default)
    {
        if (_cache.TryGetValue((constitutionId, number), out var hit)) return hit;
        var revision = await constitutions.RevisionAsync(constitutionId, number, ct);
        if (revision is null) return null;
        var entry = (revision, ReadingText.Document(revision.Markdown, revision.Sections));
        if (_cache.Count >= Capacity) _cache.Clear(); // revisions are cheap to read again; a bound matters more than hit rate
        _cache[(constitutionId, number)] = entry;
        return entry;
    }
}
