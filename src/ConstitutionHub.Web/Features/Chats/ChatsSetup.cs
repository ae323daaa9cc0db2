using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Sharing;

namespace ConstitutionHub.Web.Features.Chats;

public static class ChatsSetup
{
    public static WebApplicationBuilder AddChats(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ChatQueries>();
        services.AddSingleton<ChatCommands>();
        services.AddSingleton<ChatRecovery>();
        services.AddSingleton<ShareLinks>();
        services.AddSingleton(sp => NodeIdentity.Resolve(sp.GetRequiredService<IConfiguration>()));
        // The cross-node line: heard on the node's one listening connection, sent through the shared data source.
        services.AddSingleton(new Constitutions.ListenChannel(ChatControl.Channel));
        services.AddSingleton<ChatControl>();
        services.AddHostedService(sp => sp.GetRequiredService<ChatControl>());
        services.AddSingleton<ChatPresence>();
        services.AddHostedService(sp => sp.GetRequiredService<ChatPresence>());
        services.AddSingleton<ChatMarkdown>();
        services.AddScoped<ChatAccessLoader>();
        services.AddSingleton<ChatRunner>();
        // Before the app takes requests: replies this node left streaming become interrupted.
        services.AddHostedService<ChatMaintenance>();
        services.AddHostedService(sp => sp.GetRequiredService<ChatRunner>());
        return builder;
    }
}

/// <summary>
/// Cleans up after crashes: at start, the replies this node was writing when it stopped become interrupted; now and
/// then, those of any node that went quiet for good (a node that never restarts cannot clean up after itself).
/// </summary>
public sealed class ChatMaintenance(ChatRecovery recovery, NodeIdentity node, ILogger<ChatMaintenance> logger) : BackgroundService
{
    /// <summary>Well above a batch interval plus the longest queue wait before a reply's first tokens.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan StaleCheckEvery = TimeSpan.FromMinutes(1);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the app takes requests, so no page shows a reply as still streaming that nobody writes.
        var interrupted = await recovery.MarkInterruptedAsync(node.Name, ct: cancellationToken);
        if (interrupted > 0) logger.LogWarning("Marked {Count} replies of node {Node} interrupted after a restart", interrupted, node.Name);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(StaleCheckEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var stale = await recovery.MarkStaleAsync(StaleAfter, stoppingToken);
                if (stale > 0) logger.LogWarning("Marked {Count} stale replies interrupted", stale);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Could not check for stale replies; trying again later");
            }
        }
    }
}

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
