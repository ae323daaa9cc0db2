using System.Net;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Infrastructure;

/// <summary>Per-address limits behind a reverse proxy: the forwarded address counts only when the proxy is trusted.</summary>
public sealed class ForwardedHeadersTests
{
    private static readonly string UnknownShare = $"/s/{new string('x', ShareLinks.TokenLength)}";

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_share_guessing_limit()
    {
        await using var server = await HubServer.StartAsync(nameof(Behind_a_trusted_proxy_each_forwarded_client_has_its_own_share_guessing_limit),
            settings: new Dictionary<string, string?> { ["Sharing:RequestsPerMinute"] = "3", ["Hub:TrustedProxies:0"] = "127.0.0.1" });
        using var client = server.Client(cookies: false);

        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(client, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(client, "203.0.113.1"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(client, "203.0.113.2"));
    }

    [Fact]
    public async Task Without_a_trusted_proxy_a_client_cannot_escape_the_limit_by_naming_another_address()
    {
        await using var server = await HubServer.StartAsync(nameof(Without_a_trusted_proxy_a_client_cannot_escape_the_limit_by_naming_another_address),
            settings: new Dictionary<string, string?> { ["Sharing:RequestsPerMinute"] = "3" });
        using var client = server.Client(cookies: false);

        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(client, $"203.0.113.{i + 1}"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await StatusAsync(client, "203.0.113.99"));
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, UnknownShare);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
