using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Web.Infrastructure.Nodes;

namespace ConstitutionHub.Web.Features.Chats;

public static class ChatsSetup
{
    public static WebApplicationBuilder AddChats(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<ChatQueries>();
        services.AddSingleton<ChatCommands>();
        services.AddSingleton<ChatRecovery>();
        // Stop requests and queue positions between nodes (builder.AddNodes() brings the bus).
        services.AddNodeChannel(ChatControl.Channel);
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
public sealed class ChatMaintenance(ChatRecovery recovery, NodeIdentity node, TimeProvider time, ILogger<ChatMaintenance> logger) : BackgroundService
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
        using var timer = new PeriodicTimer(StaleCheckEvery, time);
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
