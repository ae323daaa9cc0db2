using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Features.Accounts;

namespace ConstitutionHub.Web.Features.Constitutions;

public sealed record LoadedConstitution(ConstitutionRow Row, Actor? Viewer)
{
    public bool CanEdit => DocumentAccess.CanEdit(Row, Viewer);
}

/// <summary>Loads a constitution for a page with the server-side read check; null means "answer 404".</summary>
public sealed class ConstitutionPages(ConstitutionQueries queries, CurrentActor current, IHttpContextAccessor http)
{
    public async Task<LoadedConstitution?> LoadAsync(string slug)
    {
        var viewer = await current.GetAsync();
        var row = await queries.BySlugAsync(slug);
        if (row is not null && DocumentAccess.CanRead(row, viewer)) return new LoadedConstitution(row, viewer);
        NotFound();
        return null;
    }

    /// <summary>Marks the response 404 while it is still being prerendered (no effect on a live circuit).</summary>
    public void NotFound()
    {
        if (http.HttpContext is { Response.HasStarted: false } context && !context.WebSockets.IsWebSocketRequest)
            context.Response.StatusCode = StatusCodes.Status404NotFound;
    }
}
