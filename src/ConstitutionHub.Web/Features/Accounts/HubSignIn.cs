using System.Security.Claims;
using ConstitutionHub.Core.People;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace ConstitutionHub.Web.Features.Accounts;

/// <summary>
/// Our side of a sign-in, whoever proved who the person is (OpenID Connect, or the Development-only local form):
/// the person's profile, a server-side session, and a cookie principal that names only the actor and the session key.
/// </summary>
public static class HubSignIn
{
    public const string SessionClaim = "hub:session";
    public const string AdminClaim = "hub:admin";
    public const string ProviderClaim = "hub:provider";

    /// <summary>Records the sign-in and answers the principal for the cookie (and its properties: persistent until the
    /// session's absolute end).</summary>
    public static async Task<ClaimsPrincipal> StartAsync(HttpContext http, SignInClaims claims, bool isAdmin, string provider,
        AuthenticationProperties properties)
    {
        var services = http.RequestServices;
        var person = await services.GetRequiredService<PeopleDirectory>().SignedInAsync(claims, http.RequestAborted);
        var client = http.Request.Headers.UserAgent.ToString();
        var (key, expires) = await services.GetRequiredService<SignInSessions>().StartAsync(person.Id, isAdmin, client, http.RequestAborted);
        properties.IsPersistent = true;
        properties.ExpiresUtc = expires;
        properties.AllowRefresh = false;
        return Principal(person.Id, person.DisplayName, isAdmin, key, provider);
    }

    public static ClaimsPrincipal Principal(string actorId, string name, bool isAdmin, string sessionKey, string provider)
    {
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, actorId), new(ClaimTypes.Name, name), new(SessionClaim, sessionKey), new(ProviderClaim, provider),
        };
        if (isAdmin) claims.Add(new Claim(AdminClaim, "true"));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The cookie's check on every request: the session must still be open; the name shown follows the profile.</summary>
    public static async Task ValidateCookieAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var key = principal?.FindFirstValue(SessionClaim);
        var session = await context.HttpContext.RequestServices.GetRequiredService<SignInSessions>().CheckAsync(key, context.HttpContext.RequestAborted);
        if (principal is null || session is null || session.PersonId != principal.FindFirstValue(ClaimTypes.NameIdentifier))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return;
        }
        if (session.DisplayName != principal.FindFirstValue(ClaimTypes.Name))
        {
            context.ReplacePrincipal(Principal(session.PersonId, session.DisplayName, session.IsAdmin, key!,
                principal.FindFirstValue(ProviderClaim) ?? ""));
            context.ShouldRenew = true;
        }
    }
}
