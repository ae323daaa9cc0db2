using System.Security.Claims;
using ConstitutionHub.Core.People;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;

namespace ConstitutionHub.Web.Features.Accounts;

/// <summary>
/// Ends a signed-in circuit at its next action once its session has ended (signed out here or elsewhere, signed out
/// everywhere, idle or absolute lifetime over). Pages hold the person they opened with, so without this an open page
/// could still save, restore or send as them after sign-out. Every click, key and interop call of a signed-in circuit
/// asks the session store first (one lookup by primary key); an ended one runs nothing and reloads the page on the
/// sign-in form, which says why. <see cref="SessionRevalidation"/> still turns idle pages signed-out on its own.
/// </summary>
public sealed class SessionGuard(AuthenticationStateProvider auth, SignInSessions sessions, NavigationManager navigation,
    ILogger<SessionGuard> logger) : CircuitHandler
{
    private bool ended;

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            if (ended || await SessionEndedAsync())
            {
                if (!ended) logger.LogInformation("A circuit's session has ended; its page goes to the sign-in form");
                ended = true;
                var here = "/" + navigation.ToBaseRelativePath(navigation.Uri);
                navigation.NavigateTo($"/signin?error=session-ended&returnUrl={Uri.EscapeDataString(here)}", forceLoad: true);
                return;
            }
            await next(context);
        };

    private async Task<bool> SessionEndedAsync()
    {
        var user = (await auth.GetAuthenticationStateAsync()).User;
        // Nobody signed in: nothing to end (the principal of a circuit never turns signed-in by itself).
        if (user.Identity?.IsAuthenticated != true) return false;
        var session = await sessions.CheckAsync(user.FindFirstValue(HubSignIn.SessionClaim));
        return session is null || session.PersonId != user.FindFirstValue(ClaimTypes.NameIdentifier);
    }
}
