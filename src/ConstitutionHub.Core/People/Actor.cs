namespace ConstitutionHub.Core.People;

/// <summary>A signed-in person as the core sees them: a stable id (provider-prefixed, such as <c>local:ada</c>
/// or <c>oidc:3f9a…</c>), the name shown next to what they did, and whether they are a site admin (from a
/// configured claim of their identity provider).</summary>
public sealed record Actor(string Id, string Name, bool IsAdmin = false)
{
    public static readonly Actor System = new("system", "ConstitutionHub");
}
