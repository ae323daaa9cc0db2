using ConstitutionHub.Core.Sharing;
using Microsoft.AspNetCore.SignalR;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>
/// Live share viewers, outside any Blazor circuit. A viewer joins with the token and then receives "update"
/// (text deltas with sequence numbers), "viewers" (how many watch) and "gone" (the link was revoked or expired).
/// Every refusal is the same message, whether the token is unknown, revoked, expired, malformed or a snapshot.
/// </summary>
public sealed class ShareHub(ShareLinks links, ShareBroadcaster broadcaster) : Hub
{
    public const string NotFound = "This link does not exist or no longer works.";
    /// <summary>A connection is one request to the rate limiter; this keeps it from being a free guessing channel.</summary>
    private const int JoinAttemptsPerConnection = 3;

    public async Task<ShareUpdate> Join(string token)
    {
        var attempts = Context.Items.TryGetValue("joins", out var n) ? (int)n! : 0;
        Context.Items["joins"] = attempts + 1;
        if (attempts >= JoinAttemptsPerConnection) throw new HubException("Too many attempts on one connection; reconnect later.");
        var share = await links.ResolveAsync(ShareEndpoints.UniformToken(token), Context.ConnectionAborted);
        if (share is null || share.Mode != ShareMode.Live) throw new HubException(NotFound);
        return await broadcaster.JoinAsync(Context, share);
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        broadcaster.Leave(Context.ConnectionId);
        return Task.CompletedTask;
    }
}
