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

    /// <summary>The top-level wwwroot of the repository, or wwwroot beside the binaries when published.</summary>
    public static string WebRoot() =>
        Environment.GetEnvironmentVariable("CONSTITUTIONHUB_WEBROOT")
        ?? (RepositoryRoot() is { } root ? Path.Combine(root, "wwwroot") : Path.Combine(AppContext.BaseDirectory, "wwwroot"));
}
