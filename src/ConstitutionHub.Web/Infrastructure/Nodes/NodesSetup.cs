using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConstitutionHub.Web.Infrastructure.Nodes;

public static class NodesSetup
{
    /// <summary>The node's name, its bus to the other nodes, its heartbeat and presence.</summary>
    public static WebApplicationBuilder AddNodes(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // Tests that move time register a fake clock first.
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => NodeIdentity.Resolve(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<NodeBus>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeBus>());
        services.AddSingleton<NodeHeartbeat>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeHeartbeat>());
        services.AddNodeChannel(NodePresence.Channel);
        services.AddSingleton<NodePresence>();
        return builder;
    }

    /// <summary>Declares a channel the node bus listens on from its first connection.</summary>
    public static IServiceCollection AddNodeChannel<T>(this IServiceCollection services, NodeChannel<T> channel) where T : NodeMessage =>
        services.AddSingleton<NodeChannel>(channel);
}
