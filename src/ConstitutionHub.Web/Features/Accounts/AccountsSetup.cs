using System.Security.Claims;
using ConstitutionHub.Core.People;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ConstitutionHub.Web.Features.Accounts;

/// <summary>
/// Sign-in: OpenID Connect when <c>Auth:Oidc:Authority</c> is set (Auth0, Keycloak, Entra ID, Google...), and the
/// local sign-in by display name only in Development (it proves nothing about who someone is). Either way the
/// person gets a server-side session (<see cref="SignInSessions"/>) that every request and every circuit checks.
/// </summary>
public static class AccountsSetup
{
    public const string LocalProvider = "local";

    public static WebApplicationBuilder AddAccounts(this WebApplicationBuilder builder)
    {
        var settings = AuthSettings.From(builder.Configuration);
        var development = builder.Environment.IsDevelopment();
        var services = builder.Services;
        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PeopleDirectory>();
        services.AddSingleton(sp => new SignInSessions(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(),
            new SessionLifetimes(settings.Sessions.Idle, settings.Sessions.Absolute), sp.GetRequiredService<TimeProvider>()));

        var authentication = services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/signin";
                options.Cookie.Name = development ? "hub.auth" : "__Host-hub.auth";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Lax;
                options.Cookie.SecurePolicy = development ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
                // The session row decides how long a sign-in lasts (idle and absolute); the cookie only outlives it.
                options.ExpireTimeSpan = settings.Sessions.Absolute;
                options.SlidingExpiration = false;
                options.Events.OnValidatePrincipal = HubSignIn.ValidateCookieAsync;
                // The JSON API answers 401/403 rather than redirecting a script to an HTML page.
                options.Events.OnRedirectToLogin = context => ApiAware(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => ApiAware(context, StatusCodes.Status403Forbidden);
            });
        if (settings.OidcEnabled)
            authentication.AddOpenIdConnect(OidcSignIn.Scheme, options => OidcSignIn.Configure(options, settings.Oidc, settings, development));

        services.AddAuthorization();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, SessionRevalidation>();
        services.AddHttpContextAccessor();
        services.AddScoped<CurrentActor>();
        services.AddScoped<Microsoft.AspNetCore.Components.Server.Circuits.CircuitHandler, SessionGuard>();
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
            ? new Actor(id, user.FindFirstValue(ClaimTypes.Name) ?? id, user.HasClaim(HubSignIn.AdminClaim, "true"))
            : null;

    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        // The sign-in button: to the identity provider when one is configured, else to the local form.
        app.MapGet("/auth/signin", (string? returnUrl, AuthSettings settings) => settings.OidcEnabled
            ? Results.Challenge(new AuthenticationProperties { RedirectUri = ReturnUrls.Safe(returnUrl) }, [OidcSignIn.Scheme])
            : Results.Redirect($"/signin?returnUrl={Uri.EscapeDataString(ReturnUrls.Safe(returnUrl))}"));

        app.MapPost("/auth/local", LocalSignInAsync);

        app.MapPost("/auth/signout", async (HttpContext context, IAntiforgery antiforgery, SignInSessions sessions, AuthSettings settings) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest("The form expired; reload the page and try again.");
            var idToken = await context.GetTokenAsync(CookieAuthenticationDefaults.AuthenticationScheme, "id_token");
            await sessions.RevokeAsync(context.User.FindFirstValue(HubSignIn.SessionClaim));
            return SignOutEverywhereOnThisBrowser(context, settings, idToken);
        });

        app.MapPost("/auth/signout-everywhere", async (HttpContext context, IAntiforgery antiforgery, SignInSessions sessions, AuthSettings settings) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest("The form expired; reload the page and try again.");
            var idToken = await context.GetTokenAsync(CookieAuthenticationDefaults.AuthenticationScheme, "id_token");
            if (ToActor(context.User) is { } actor) await sessions.RevokeAllAsync(actor.Id);
            return SignOutEverywhereOnThisBrowser(context, settings, idToken);
        });
        return app;
    }

    /// <summary>Drops the cookie and, after an OpenID Connect sign-in, ends the provider's session too.</summary>
    private static IResult SignOutEverywhereOnThisBrowser(HttpContext context, AuthSettings settings, string? idToken) =>
        settings.OidcEnabled && context.User.HasClaim(HubSignIn.ProviderClaim, OidcSignIn.Provider)
            ? Results.SignOut(OidcSignIn.SignOutProperties(idToken), [CookieAuthenticationDefaults.AuthenticationScheme, OidcSignIn.Scheme])
            : Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [CookieAuthenticationDefaults.AuthenticationScheme]);

    private static async Task<IResult> LocalSignInAsync(HttpContext context, IHostEnvironment environment, IAntiforgery antiforgery)
    {
        // Refused outside Development whatever the request carries: a name proves nothing about a person.
        if (!LocalSignInAllowed(environment)) return Results.Redirect("/signin?error=local-disabled");
        if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest("The form expired; reload the page and try again.");
        var form = await context.Request.ReadFormAsync();
        var returnUrl = ReturnUrls.Safe(form["returnUrl"]);
        var name = LocalNames.Normalise(form["displayName"]);
        if (name is null)
            return Results.Redirect($"/signin?error=invalid-name&returnUrl={Uri.EscapeDataString(returnUrl)}");

        var properties = new AuthenticationProperties();
        var principal = await HubSignIn.StartAsync(context, new SignInClaims(PeopleDirectory.LocalIssuer, LocalNames.Key(name), name, name),
            isAdmin: false, LocalProvider, properties);
        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, principal, properties);
        return Results.Redirect(returnUrl);
    }
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
