using System.Security.Claims;
using ConstitutionHub.Core.People;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.JSInterop;

namespace ConstitutionHub.Web.Features.Accounts;

/// <summary>
/// Ends a signed-in circuit at its next action once its session has ended (signed out here or elsewhere, signed out
/// everywhere, idle or absolute lifetime over). Pages hold the person they opened with, so without this an open page
/// could still save, restore or send as them after sign-out. Every click, key and interop call of a signed-in circuit
/// asks the session store first (one lookup by primary key); an ended one runs nothing and reloads the page on the
/// sign-in form, which says why. <see cref="SessionRevalidation"/> still turns idle pages signed-out on its own.
/// </summary>
public sealed class SessionGuard(AuthenticationStateProvider auth, SignInSessions sessions, NavigationManager navigation, IJSRuntime js,
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
                await SendToSignInAsync();
                return;
            }
            await next(context);
        };

    /// <summary>Through the page's script (js/hub.js), which stays put when the browser is already leaving the page:
    /// a late activity of a page being left (a resize on unload, say) must not turn the browser back to us.</summary>
    private async Task SendToSignInAsync()
    {
        var here = "/" + navigation.ToBaseRelativePath(navigation.Uri);
        var signIn = $"/signin?error=session-ended&returnUrl={Uri.EscapeDataString(here)}";
        try
        {
            await js.InvokeVoidAsync("hubSessionEnded", signIn);
        }
        catch (JSException)
        {
            // The layout has not loaded its script yet (the first moments of a page): navigate from here.
            navigation.NavigateTo(signIn, forceLoad: true);
        }
    }

    private async Task<bool> SessionEndedAsync()
    {
        var user = (await auth.GetAuthenticationStateAsync()).User;
        // Nobody signed in: nothing to end (the principal of a circuit never turns signed-in by itself).
        if (user.Identity?.IsAuthenticated != true) return false;
        var session = await sessions.CheckAsync(user.FindFirstValue(HubSignIn.SessionClaim));
        return session is null || session.PersonId != user.FindFirstValue(ClaimTypes.NameIdentifier);
    }
}
