using System.Globalization;
using System.Threading.RateLimiting;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Sharing;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>Settings under "Sharing".</summary>
public sealed class SharingOptions
{
    /// <summary>Share page views (/s/{token}) per client IP and minute. Guessing a 256-bit token is hopeless anyway;
    /// the limits keep a scanner from costing us a database query per guess.</summary>
    public int RequestsPerMinute { get; set; } = 120;

    /// <summary>Downloads per client IP and minute: JSON, Markdown, the preview image and "continue as a copy".</summary>
    public int DataRequestsPerMinute { get; set; } = 120;

    /// <summary>Requests to the live share hub (a negotiation and a WebSocket per viewer) per client IP and minute.
    /// A budget of its own, and a larger one: a classroom behind one NAT address watches a live chat together, each
    /// viewer reconnecting after a network blip.</summary>
    public int HubRequestsPerMinute { get; set; } = 600;

    /// <summary>How often open live links are checked against the database, for a revocation whose notice was missed
    /// (a revocation otherwise ends them at once, an expiry on its timer).</summary>
    public TimeSpan AccessCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public static class SharingSetup
{
    public const string RatePolicy = "share-guessing";
    public const string HubRatePolicy = "share-hub";
    public const string HubPath = "/hubs/share";

    public static WebApplicationBuilder AddSharing(this WebApplicationBuilder builder)
    {
        // Sharing reads chats: builder.AddChats() registers their events, read model and commands.
        var services = builder.Services;
        services.Configure<SharingOptions>(builder.Configuration.GetSection("Sharing"));
        services.AddSingleton<ShareLinks>();
        // Experiment links are share links too (same streams, table and tokens); they read experiments: builder.AddExperiments().
        services.AddSingleton<ExperimentShareLinks>();
        services.AddSingleton<ShareBroadcaster>();
        services.AddHostedService<ShareAccessSweep>();
        services.TryAddSingleton<Infrastructure.SvgRaster>();
        services.AddSingleton<SharePreview>();
        services.AddDataProtection();
        services.AddSignalR();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(RatePolicy, context => PerAddress(context, Budget(context.Request.Path)));
            options.AddPolicy(HubRatePolicy, context => PerAddress(context, ShareBudget.Hub));
            options.OnRejected = async (context, ct) =>
            {
                var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? (int)Math.Ceiling(retry.TotalSeconds) : 60;
                var response = context.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync($"Too many requests from your address. Try again in {seconds} seconds.", ct);
            };
        });
        return builder;
    }

    private enum ShareBudget { Page, Data, Hub }

    /// <summary>Which budget a request under /s/ spends: a page view, or a download of the chat's data.</summary>
    private static ShareBudget Budget(PathString path)
    {
        var value = path.Value ?? "";
        return value.EndsWith(".json", StringComparison.Ordinal) || value.EndsWith(".md", StringComparison.Ordinal)
            || value.EndsWith("/preview.png", StringComparison.Ordinal) || value.EndsWith("/copy", StringComparison.Ordinal)
            ? ShareBudget.Data
            : ShareBudget.Page;
    }

    /// <summary>A fixed window per client address and budget; the budgets do not draw on each other.</summary>
    private static RateLimitPartition<string> PerAddress(HttpContext context, ShareBudget budget)
    {
        var options = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<SharingOptions>>().Value;
        var limit = budget switch
        {
            ShareBudget.Data => options.DataRequestsPerMinute,
            ShareBudget.Hub => options.HubRequestsPerMinute,
            _ => options.RequestsPerMinute,
        };
        var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter($"{budget}:{ip}", _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
        });
    }

    public static WebApplication MapSharing(this WebApplication app)
    {
        app.UseRateLimiter();
        app.MapShareEndpoints();
        app.MapHub<ShareHub>(HubPath).RequireRateLimiting(HubRatePolicy);
        return app;
    }
}
