using System.Security.Claims;
using ConstitutionHub.Core.People;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace ConstitutionHub.Web.Features.Accounts;

/// <summary>
/// OpenID Connect sign-in: authorization code flow with PKCE through ASP.NET Core's handler, which checks issuer,
/// audience, lifetime, signature (never <c>alg: none</c>), nonce and state. Auth0 is a preset: its <c>audience</c>
/// parameter, and its <c>/v2/logout</c> when the tenant publishes no <c>end_session_endpoint</c>. Whatever the
/// provider answers that does not verify ends on the sign-in page with a reason and nobody signed in.
/// </summary>
public static class OidcSignIn
{
    public const string Scheme = "oidc";
    public const string Provider = "oidc";
    private const string IdTokenItem = "hub.id_token";

    public static void Configure(OpenIdConnectOptions options, OidcSettings oidc, AuthSettings settings, bool development)
    {
        options.Authority = oidc.Authority;
        options.ClientId = oidc.ClientId;
        options.ClientSecret = oidc.ClientSecret;
        options.ResponseType = OpenIdConnectResponseType.Code;
        options.UsePkce = true;
        // The code comes back in the query: a top-level GET carries our SameSite=Lax correlation cookies, where a
        // form_post from the provider's site would need SameSite=None.
        options.ResponseMode = OpenIdConnectResponseMode.Query;
        options.RequireHttpsMetadata = oidc.RequireHttpsMetadata || !development;
        options.MapInboundClaims = false;
        options.GetClaimsFromUserInfoEndpoint = true;
        // Saved, then cut down to the ID token alone in TicketReceived (see there).
        options.SaveTokens = true;
        options.Scope.Clear();
        foreach (var scope in $"openid profile {oidc.Scopes}".Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct()) options.Scope.Add(scope);
        options.ClaimActions.MapUniqueJsonKey("preferred_username", "preferred_username");
        options.ClaimActions.MapUniqueJsonKey("nickname", "nickname");
        options.ClaimActions.MapUniqueJsonKey("picture", "picture");
        if (settings.Admins.Claim is { Length: > 0 } adminClaim) options.ClaimActions.MapJsonKey(adminClaim, adminClaim);
        options.TokenValidationParameters.NameClaimType = "name";
        options.TokenValidationParameters.ValidateIssuer = true;
        options.TokenValidationParameters.ValidateAudience = true;
        options.TokenValidationParameters.RequireSignedTokens = true;
        options.TokenValidationParameters.RequireExpirationTime = true;
        options.TokenValidationParameters.ClockSkew = TimeSpan.FromMinutes(1);
        options.CorrelationCookie.SameSite = SameSiteMode.Lax;
        options.NonceCookie.SameSite = SameSiteMode.Lax;
        var secure = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        options.CorrelationCookie.SecurePolicy = secure;
        options.NonceCookie.SecurePolicy = secure;
        options.RemoteAuthenticationTimeout = TimeSpan.FromMinutes(10);

        options.Events.OnRedirectToIdentityProvider = context =>
        {
            if (oidc.Audience is { Length: > 0 } audience) context.ProtocolMessage.SetParameter("audience", audience);
            return Task.CompletedTask;
        };
        options.Events.OnTicketReceived = context => TicketReceivedAsync(context, settings);
        options.Events.OnRemoteFailure = RemoteFailure;
        options.Events.OnAccessDenied = context =>
        {
            context.HandleResponse();
            context.Response.Redirect("/signin?error=denied");
            return Task.CompletedTask;
        };
        options.Events.OnRedirectToIdentityProviderForSignOut = context => SignOutAtProvider(context, oidc);
    }

    /// <summary>The provider proved who it is: make them our person with our own session; keep only the ID token (to
    /// end the provider's session at sign-out).</summary>
    private static async Task TicketReceivedAsync(TicketReceivedContext context, AuthSettings settings)
    {
        var user = context.Principal!;
        var subject = user.FindFirstValue("sub");
        var issuer = user.FindFirstValue("iss") ?? user.FindFirst("sub")?.Issuer;
        if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(issuer))
        {
            context.Fail("The identity provider's token names no subject or issuer.");
            return;
        }
        var claims = new SignInClaims(issuer, subject, user.FindFirstValue("name") ?? user.FindFirstValue("nickname") ?? "",
            user.FindFirstValue("preferred_username") ?? user.FindFirstValue("nickname"), user.FindFirstValue("picture"));
        var isAdmin = settings.Admins is { Claim.Length: > 0, Value.Length: > 0 }
            && user.FindAll(settings.Admins.Claim).Any(c => c.Value == settings.Admins.Value);
        var idToken = context.Properties!.GetTokenValue("id_token");
        var properties = context.Properties!;
        context.Principal = await HubSignIn.StartAsync(context.HttpContext, claims, isAdmin, Provider, properties);
        // Access and refresh tokens are of no use to us and would only grow the cookie.
        properties.StoreTokens(idToken is null ? [] : [new AuthenticationToken { Name = "id_token", Value = idToken }]);
        context.ReturnUri = ReturnUrls.Safe(context.ReturnUri);
    }

    private static Task RemoteFailure(RemoteFailureContext context)
    {
        var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn));
        logger.LogWarning(context.Failure, "OpenID Connect sign-in refused: {Reason}", context.Failure?.Message);
        context.HandleResponse();
        context.Response.Redirect("/signin?error=provider");
        return Task.CompletedTask;
    }

    /// <summary>Our session is already ended; this ends the provider's too and comes back. Auth0 tenants without RP-initiated
    /// logout publish no end_session_endpoint and use <c>/v2/logout</c>; other providers without one just come back.</summary>
    private static Task SignOutAtProvider(RedirectContext context, OidcSettings oidc)
    {
        if (context.Properties.Items.Remove(IdTokenItem, out var idToken) && idToken is not null) context.ProtocolMessage.IdTokenHint = idToken;
        if (!string.IsNullOrEmpty(context.ProtocolMessage.IssuerAddress)) return Task.CompletedTask;
        var back = $"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/";
        context.HandleResponse();
        context.Response.Redirect(oidc.IsAuth0
            ? $"{oidc.Authority!.TrimEnd('/')}/v2/logout?client_id={Uri.EscapeDataString(oidc.ClientId!)}&returnTo={Uri.EscapeDataString(back)}"
            : back);
        return Task.CompletedTask;
    }

    /// <summary>Properties for the provider's sign-out: where to come back, and the ID token as a hint.</summary>
    public static AuthenticationProperties SignOutProperties(string? idToken)
    {
        var properties = new AuthenticationProperties { RedirectUri = "/" };
        if (idToken is not null) properties.Items[IdTokenItem] = idToken;
        return properties;
    }
}
