using System.Security.Claims;
using System.Text.Encodings.Web;
using ConstitutionHub.Core.People;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ConstitutionHub.Web.Features.Tokens;

/// <summary>
/// <c>Authorization: Bearer chp_…</c>: a personal access token signs the request in as its holder, with the token's
/// scopes as claims. Other bearer values (the service keys of <c>Inference:ApiKeys</c>) are left to /v1 itself.
/// </summary>
public sealed class TokenAuthentication(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logs, UrlEncoder encoder,
    AccessTokens tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logs, encoder)
{
    public const string SchemeName = "token";
    public const string TokenClaim = "hub:token";
    public const string ScopeClaim = "hub:scope";

    /// <summary>Whether a request carries one of our tokens (decides the scheme before any handler runs).</summary>
    public static bool Carries(HttpRequest request, out string secret)
    {
        var header = request.Headers.Authorization.ToString();
        secret = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : "";
        return secret.StartsWith(AccessTokens.Prefix, StringComparison.Ordinal);
    }

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Carries(Request, out var secret)) return AuthenticateResult.NoResult();
        var holder = await tokens.CheckAsync(secret, Context.RequestAborted);
        if (holder is null) return AuthenticateResult.Fail("The access token is unknown, revoked or expired.");
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, holder.PersonId), new(ClaimTypes.Name, holder.DisplayName), new(TokenClaim, holder.TokenId),
        };
        claims.AddRange(holder.Scopes.Select(s => new Claim(ScopeClaim, s)));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
        await Response.WriteAsJsonAsync(new { title = "Unauthorized", status = 401, detail = "The access token is unknown, revoked or expired." });
    }
}
