using System.Security.Claims;
using ConstitutionHub.Core.People;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace ConstitutionHub.Web.Features.Accounts;

/// <summary>
/// An open Blazor circuit keeps the principal it started with; this re-checks its session every
/// <c>Auth:Sessions:CircuitCheck</c>, so after a sign-out elsewhere the page turns signed-out by itself. Actions do not
/// wait for it: <see cref="CurrentActor"/> checks the session each time it is asked.
/// </summary>
public sealed class SessionRevalidation(ILoggerFactory logs, SignInSessions sessions, AuthSettings settings)
    : RevalidatingServerAuthenticationStateProvider(logs)
{
    protected override TimeSpan RevalidationInterval => settings.Sessions.CircuitCheck;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct)
    {
        if (state.User.Identity?.IsAuthenticated != true) return true;
        var session = await sessions.CheckAsync(state.User.FindFirstValue(HubSignIn.SessionClaim), ct);
        return session is not null && session.PersonId == state.User.FindFirstValue(ClaimTypes.NameIdentifier);
    }
}

/// <summary>The signed-in person for components: asks the session store every time, so an action on a circuit whose
/// session was revoked (sign-out, sign out everywhere) acts as nobody, at once.</summary>
public sealed class CurrentActor(SignInSessions sessions, AuthenticationStateProvider? authState = null)
{
    public async Task<Actor?> GetAsync()
    {
        if (authState is null) return null;
        var state = await authState.GetAuthenticationStateAsync();
        var actor = AccountsSetup.ToActor(state.User);
        if (actor is null) return null;
        // Personal access tokens never reach a circuit; a principal here came from the session cookie.
        var session = await sessions.CheckAsync(state.User.FindFirstValue(HubSignIn.SessionClaim));
        return session is not null && session.PersonId == actor.Id ? actor with { Name = session.DisplayName, IsAdmin = session.IsAdmin } : null;
    }
}
