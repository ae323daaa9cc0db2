using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace ConstitutionHub.Web.Infrastructure;

/// <summary>
/// Behind a reverse proxy (infra/nginx.conf) every request comes from the proxy's address, so per-address limits
/// (share-link guessing, the scheduler's fairness for anonymous callers) would lump all users together. The
/// client's address is taken from X-Forwarded-For only when the request comes from a configured proxy
/// (<c>Hub:TrustedProxies</c>: addresses or CIDR networks); with none configured the header is ignored, so a
/// client cannot pick its own address.
/// </summary>
public static class ForwardedHeadersSetup
{
    public const string Section = "Hub:TrustedProxies";

    public static WebApplicationBuilder AddForwardedHeaders(this WebApplicationBuilder builder)
    {
        var entries = builder.Configuration.GetSection(Section).Get<string[]>() ?? [];
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var entry in entries) options.KnownIPNetworks.Add(Parse(entry));
            // One proxy in front of the app: take the address it saw, not whatever the client prepended.
            options.ForwardLimit = 1;
        });
        return builder;
    }

    public static WebApplication UseHubForwardedHeaders(this WebApplication app)
    {
        if ((app.Configuration.GetSection(Section).Get<string[]>() ?? []).Length > 0) app.UseForwardedHeaders();
        return app;
    }

    private static System.Net.IPNetwork Parse(string entry)
    {
        var text = entry.Trim();
        if (System.Net.IPNetwork.TryParse(text, out var network)) return network;
        if (IPAddress.TryParse(text, out var address))
            return new System.Net.IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        throw new InvalidOperationException($"{Section} holds '{entry}', which is neither an IP address nor a CIDR network (such as 10.0.0.0/8).");
    }
}
