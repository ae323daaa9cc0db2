using System.Security.Claims;
using ConstitutionHub.Core.People;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;

namespace ConstitutionHub.Web.Features.Accounts;

/// <summary>
/// Sign-in. The embedded default offers a local sign-in by display name, and only in Development: it proves
/// nothing about who someone is. Production sign-in is OpenID Connect (an Auth0-compatible provider), added in
/// its own feature; every event already records the actor id a provider gives.
/// </summary>
public static class AccountsSetup
{
    public const string LocalProvider = "local";

    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        builder.Services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/signin";
                options.Cookie.Name = "hub.auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.SlidingExpiration = true;
                options.ExpireTimeSpan = TimeSpan.FromDays(14);
                // The JSON API answers 401/403 rather than redirecting a script to an HTML page.
                options.Events.OnRedirectToLogin = context => ApiAware(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => ApiAware(context, StatusCodes.Status403Forbidden);
            });
        builder.Services.AddAuthorization();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<CurrentActor>();
        return builder;
    }

    private static Task ApiAware(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        if (context.Request.Path.StartsWithSegments("/api")) context.Response.StatusCode = status;
        else context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    public static bool LocalSignInAllowed(IHostEnvironment environment) => environment.IsDevelopment();

    public static Actor? ToActor(ClaimsPrincipal? user) =>
        user?.Identity?.IsAuthenticated == true && user.FindFirstValue(ClaimTypes.NameIdentifier) is { } id
            ? new Actor(id, user.FindFirstValue(ClaimTypes.Name) ?? id)
            : null;

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/auth/local", async (HttpContext context, IHostEnvironment environment, Users users, IAntiforgery antiforgery) =>
        {
            // Refused outside Development whatever the request carries: a name proves nothing about a person.
            if (!LocalSignInAllowed(environment)) return Results.Redirect("/signin?error=local-disabled");
            if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest("The form expired; reload the page and try again.");
            var form = await context.Request.ReadFormAsync();
            var returnUrl = SafeReturnUrl(form["returnUrl"]);
            var name = LocalNames.Normalise(form["displayName"]);
            if (name is null)
                return Results.Redirect($"/signin?error=invalid-name&returnUrl={Uri.EscapeDataString(returnUrl)}");

            var actor = new Actor($"{LocalProvider}:{LocalNames.Key(name)}", name);
            await users.RememberAsync(actor, LocalProvider);
            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.NameIdentifier, actor.Id), new Claim(ClaimTypes.Name, actor.Name), new Claim("provider", LocalProvider)],
                CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(new ClaimsPrincipal(identity));
            return Results.Redirect(returnUrl);
        });

        app.MapPost("/auth/signout", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest("The form expired; reload the page and try again.");
            await context.SignOutAsync();
            return Results.Redirect("/");
        });
        return app;
    }

    /// <summary>Only local paths: an open redirect would let a link send people to a look-alike site after sign-in.</summary>
    public static string SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal)
        && !url.StartsWith("/\\", StringComparison.Ordinal) ? url : "/";
}

public static class LocalNames
{
    public const int MaxLength = 40;

    /// <summary>A display name: trimmed, 1 to 40 characters, letters, digits, spaces and . _ - ' only.</summary>
    public static string? Normalise(string? name)
    {
        name = string.Join(' ', (name ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries));
        if (name.Length is 0 or > MaxLength) return null;
        return name.All(c => char.IsLetterOrDigit(c) || c is ' ' or '.' or '_' or '-' or '\'') ? name : null;
    }

    public static string Key(string name) => name.ToLowerInvariant().Replace(' ', '-');
}

/// <summary>The signed-in person for components and endpoints.</summary>
public sealed class CurrentActor(AuthenticationStateProvider? authState = null)
{
    public async Task<Actor?> GetAsync()
    {
        if (authState is null) return null;
        var state = await authState.GetAuthenticationStateAsync();
        return AccountsSetup.ToActor(state.User);
    }
}
