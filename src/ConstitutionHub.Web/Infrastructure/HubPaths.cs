namespace ConstitutionHub.Web.Infrastructure;

/// <summary>Where the app finds its files when run from the repository, from a published folder or in a container.</summary>
public static class HubPaths
{
    /// <summary>The repository root (the folder holding ConstitutionHub.sln), when running from a checkout.</summary>
    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "ConstitutionHub.sln"))) return dir.FullName;
        }
        return null;
    }

    /// <summary>
    /// wwwroot beside the binaries when published (it then holds Blazor's script and MudBlazor's files too), else the
    /// top-level wwwroot of the repository (a build run in Development, where static web assets fill in the rest).
    /// </summary>
    public static string WebRoot()
    {
        if (Environment.GetEnvironmentVariable("CONSTITUTIONHUB_WEBROOT") is { Length: > 0 } configured) return configured;
        var published = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (Directory.Exists(Path.Combine(published, "_framework"))) return published;
        return RepositoryRoot() is { } root ? Path.Combine(root, "wwwroot") : published;
    }
}
