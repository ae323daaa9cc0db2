using System.Security.Claims;
using System.Threading.RateLimiting;
using ConstitutionHub.Core.People;
using Microsoft.AspNetCore.Authentication;

namespace ConstitutionHub.Web.Features.Tokens;

/// <summary>
/// What a request signed in by a personal access token may reach: the JSON API (<c>read</c> for GET, <c>write</c>
/// otherwise) and /v1 (<c>read</c> for models, <c>chat</c> for completions); nothing else (pages, hubs, token
/// management). A bad token is a 401 even where anonymous reading would be allowed: a script should learn its token
/// stopped working. Each token has its own request budget per minute (<c>Auth:Tokens:RequestsPerMinute</c>).
/// </summary>
public sealed class TokenGate(IConfiguration configuration) : IAsyncDisposable
{
    private readonly PartitionedRateLimiter<string> limiter = PartitionedRateLimiter.Create<string, string>(token =>
        RateLimitPartition.GetFixedWindowLimiter(token, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = configuration.GetValue("Auth:Tokens:RequestsPerMinute", 600),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    public static string? ScopeFor(HttpRequest request)
    {
        var path = request.Path;
        var reading = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        if (path.StartsWithSegments("/api/tokens")) return null;
        if (path.StartsWithSegments("/api")) return reading ? TokenScopes.Read : TokenScopes.Write;
        if (path.StartsWithSegments("/v1/chat")) return TokenScopes.Chat;
        if (path.StartsWithSegments("/v1")) return TokenScopes.Read;
        return null;
    }

    public async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        if (!TokenAuthentication.Carries(context.Request, out _))
        {
            await next();
            return;
        }
        var result = await context.AuthenticateAsync(TokenAuthentication.SchemeName);
        if (!result.Succeeded)
        {
            await context.ChallengeAsync(TokenAuthentication.SchemeName);
            return;
        }
        var user = result.Principal!;
        var needed = ScopeFor(context.Request);
        if (needed is null || !user.HasClaim(TokenAuthentication.ScopeClaim, needed))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, needed is null
                ? "Personal access tokens work for /api and /v1 only (and cannot manage tokens)."
                : $"This token lacks the '{needed}' scope.");
            return;
        }
        using var lease = await limiter.AcquireAsync(user.FindFirstValue(TokenAuthentication.TokenClaim)!, 1, context.RequestAborted);
        if (!lease.IsAcquired)
        {
            context.Response.Headers.RetryAfter = "60";
            await Refuse(context, StatusCodes.Status429TooManyRequests, "This token made too many requests this minute; wait and try again.");
            return;
        }
        context.User = user;
        await next();
    }

    private static Task Refuse(HttpContext context, int status, string detail)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { title = status == 429 ? "Too many requests" : "Forbidden", status, detail });
    }

    public ValueTask DisposeAsync() => limiter.DisposeAsync();
}
