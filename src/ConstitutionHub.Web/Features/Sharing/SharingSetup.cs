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
    /// <summary>Requests to /s/* and connections to the share hub per client IP and minute. Guessing a 256-bit token is
    /// hopeless anyway; the limit keeps a scanner from costing us a database query per guess.</summary>
    public int RequestsPerMinute { get; set; } = 120;

    /// <summary>How often open live links are checked against the database, for a revocation whose notice was missed
    /// (a revocation otherwise ends them at once, an expiry on its timer).</summary>
    public TimeSpan AccessCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}

public static class SharingSetup
{
    public const string RatePolicy = "share-guessing";
    public const string HubPath = "/hubs/share";

    public static WebApplicationBuilder AddSharing(this WebApplicationBuilder builder)
    {
        // Sharing reads chats: builder.AddChats() registers their events, read model and commands.
        var services = builder.Services;
        services.Configure<SharingOptions>(builder.Configuration.GetSection("Sharing"));
        services.AddSingleton<ShareLinks>();
        services.AddSingleton<ShareBroadcaster>();
        services.AddHostedService<ShareAccessSweep>();
        services.AddSingleton<SharePreview>();
        services.AddDataProtection();
        services.AddSignalR();
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(RatePolicy, context =>
            {
                var limit = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<SharingOptions>>().Value.RequestsPerMinute;
                var ip = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetFixedWindowLimiter(ip, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0,
                });
            });
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

    public static WebApplication MapSharing(this WebApplication app)
    {
        app.UseRateLimiter();
        app.MapShareEndpoints();
        app.MapHub<ShareHub>(HubPath).RequireRateLimiting(RatePolicy);
        return app;
    }
}
