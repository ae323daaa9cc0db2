using ConstitutionHub.Core.Documents.Text;
using Microsoft.Extensions.Caching.Memory;

namespace ConstitutionHub.Web.Features.Constitutions;

/// <summary>Rendered HTML per revision: revisions never change, so an entry never goes stale, only cold.</summary>
public sealed class RenderCache(IMemoryCache cache)
{
    public string Html(Guid constitutionId, int revision, string markdown) =>
        cache.GetOrCreate(("html", constitutionId, revision), entry =>
        {
            entry.SlidingExpiration = TimeSpan.FromMinutes(30);
            entry.Size = null;
            return MarkdownRenderer.RenderHtml(markdown);
        })!;
}
