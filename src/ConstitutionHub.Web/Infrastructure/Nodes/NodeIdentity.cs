namespace ConstitutionHub.Web.Infrastructure.Nodes;

/// <summary>
/// This server process's name in <c>reply_started</c> events. It must survive a restart of the same node (so
/// recovery finds the replies it was writing) and differ between nodes sharing a database: <c>Hub:NodeName</c>,
/// or the machine name plus an id kept in the node's data directory.
/// </summary>
public sealed record NodeIdentity(string Name)
{
    public const int MaxLength = 100;

    public static NodeIdentity Resolve(IConfiguration configuration)
    {
        var configured = configuration["Hub:NodeName"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            configured = configured.Trim();
            if (configured.Length > MaxLength) throw new InvalidOperationException($"Hub:NodeName is longer than {MaxLength} characters.");
            return new NodeIdentity(configured);
        }
        var directory = configuration["Hub:DataDirectory"]
            ?? configuration["Database:DataDirectory"]
            ?? Core.Database.EmbeddedPostgres.DefaultRootDirectory();
        return new NodeIdentity($"{Environment.MachineName}-{StableId(directory)}");
    }

    /// <summary>A random id created once per data directory. Two containers built from one image share a machine
    /// name pattern but not a volume; a restart keeps both.</summary>
    private static string StableId(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "node-id");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 and <= 32 } existing) return existing;
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
        try
        {
            // CreateNew: two processes starting on one directory at once agree on the first writer's id.
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new StreamWriter(file)) writer.Write(id);
            return id;
        }
        catch (IOException) when (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
    }
}
