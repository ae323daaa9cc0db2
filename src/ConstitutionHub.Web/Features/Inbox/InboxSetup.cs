using ConstitutionHub.Core.Watching;
using ConstitutionHub.Web.Infrastructure.Nodes;

namespace ConstitutionHub.Web.Features.Inbox;

public static class InboxSetup
{
    /// <summary>Watches, the inbox and its live badge. The notifications themselves are an async projection
    /// (<see cref="NotificationProjection"/>), run by the daemon with the others.</summary>
    public static WebApplicationBuilder AddInbox(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<WatchCommands>();
        services.AddSingleton<NotificationQueries>();
        services.AddSingleton<FeedQueries>();
        services.AddNodeChannel(InboxFeed.Channel);
        services.AddSingleton<InboxFeed>();
        return builder;
    }
}
