using ConstitutionHub.Core.People;

namespace ConstitutionHub.Web.Features.Accounts;

/// <summary>The <c>Auth</c> settings (README, "Sign-in").</summary>
public sealed class AuthSettings
{
    public OidcSettings Oidc { get; init; } = new();
    public AdminSettings Admins { get; init; } = new();
    public SessionSettings Sessions { get; init; } = new();

    public bool OidcEnabled => !string.IsNullOrWhiteSpace(Oidc.Authority);

    public static AuthSettings From(IConfiguration configuration)
    {
        var settings = configuration.GetSection("Auth").Get<AuthSettings>() ?? new AuthSettings();
        settings.Validate();
        return settings;
    }

    /// <summary>Fails at start with the name of the setting, rather than at the first sign-in.</summary>
    private void Validate()
    {
        if (OidcEnabled)
        {
            if (!Uri.TryCreate(Oidc.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
                throw new InvalidOperationException($"Auth:Oidc:Authority must be an absolute https URL, not '{Oidc.Authority}'.");
            if (string.IsNullOrWhiteSpace(Oidc.ClientId)) throw new InvalidOperationException("Auth:Oidc:ClientId is required when Auth:Oidc:Authority is set.");
            if (Oidc.Preset is not (null or "" or "auth0" or "keycloak" or "entra" or "google" or "generic"))
                throw new InvalidOperationException($"Auth:Oidc:Preset must be auth0, keycloak, entra, google or generic, not '{Oidc.Preset}'.");
        }
        if (Sessions.Idle <= TimeSpan.Zero || Sessions.Absolute <= TimeSpan.Zero || Sessions.Idle > Sessions.Absolute)
            throw new InvalidOperationException("Auth:Sessions:Idle and Auth:Sessions:Absolute must be positive, the idle time no longer than the absolute one.");
        if (Sessions.CircuitCheck <= TimeSpan.Zero) throw new InvalidOperationException("Auth:Sessions:CircuitCheck must be positive.");
    }
}

public sealed class OidcSettings
{
    /// <summary>The issuer URL, such as <c>https://tenant.eu.auth0.com/</c>; its discovery document says the rest.</summary>
    public string? Authority { get; init; }
    public string? ClientId { get; init; }
    /// <summary>From the environment (<c>Auth__Oidc__ClientSecret</c>), never from a file in the repository.</summary>
    public string? ClientSecret { get; init; }
    /// <summary>Auth0: the API identifier to request an access token for (sent as <c>audience</c>).</summary>
    public string? Audience { get; init; }
    /// <summary>Space-separated scopes beyond <c>openid profile</c>.</summary>
    public string? Scopes { get; init; }
    /// <summary><c>auth0</c>, <c>keycloak</c>, <c>entra</c>, <c>google</c> or <c>generic</c>: provider quirks (Auth0's logout).</summary>
    public string? Preset { get; init; }
    /// <summary>The provider's name on the sign-in button.</summary>
    public string? DisplayName { get; init; }
    /// <summary>Only a loopback test provider may be plain http, and only in Development.</summary>
    public bool RequireHttpsMetadata { get; init; } = true;

    public bool IsAuth0 => Preset == "auth0" || (Preset is null or "" && Uri.TryCreate(Authority, UriKind.Absolute, out var u) && u.Host.EndsWith(".auth0.com", StringComparison.OrdinalIgnoreCase));

    public string ButtonName => DisplayName ?? (IsAuth0 ? "Auth0" : Preset switch
    {
        "keycloak" => "Keycloak",
        "entra" => "Microsoft",
        "google" => "Google",
        _ => "your identity provider",
    });
}

/// <summary>Site admins: people whose identity provider gives them <see cref="Claim"/> with <see cref="Value"/> (for
/// example <c>roles</c> = <c>hub-admin</c>, or Auth0's namespaced <c>https://constitutionhub/roles</c>).</summary>
public sealed class AdminSettings
{
    public string? Claim { get; init; }
    public string? Value { get; init; }
}

public sealed class SessionSettings
{
    public TimeSpan Idle { get; init; } = SessionLifetimes.Default.Idle;
    public TimeSpan Absolute { get; init; } = SessionLifetimes.Default.Absolute;
    /// <summary>How often an open Blazor circuit re-checks its session, so a revoked one loses its signed-in view.</summary>
    public TimeSpan CircuitCheck { get; init; } = TimeSpan.FromSeconds(30);
}
