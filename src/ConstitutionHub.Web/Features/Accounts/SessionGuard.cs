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
/// asks the session store first (one lookup by primary key); an ended one runs nothing and sends the page to the
/// sign-in form, which says why. <see cref="SessionRevalidation"/> still turns idle pages signed-out on its own.
/// </summary>
public sealed class SessionGuard(AuthenticationStateProvider auth, SignInSessions sessions, NavigationManager navigation, IJSRuntime js,
    ILogger<SessionGuard> logger) : CircuitHandler
{
    private readonly Lock gate = new();
    // The turn of the activity that arrived last: activities pass the check one after another, in the order they
    // arrived. Without this a click could overtake the change event typed just before it (each waits for its own
    // lookup), and the page would act on a form without the value the person had just entered.
    private Task lastTurn = Task.CompletedTask;
    private volatile bool ended;

    public override Func<CircuitInboundActivityContext, Task> CreateInboundActivityHandler(Func<CircuitInboundActivityContext, Task> next) =>
        async context =>
        {
            var turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task previous;
            lock (gate) (previous, lastTurn) = (lastTurn, turn.Task);
            Task work;
            try
            {
                await previous;
                if (ended || await SessionEndedAsync())
                {
                    if (!ended) logger.LogInformation("A circuit's session has ended; its page goes to the sign-in form");
                    ended = true;
                    SendToSignIn();
                    return;
                }
                // Started before the next activity's turn: the renderer queues their work in arrival order too. Only
                // the start is ordered; a long handler (a streaming reply) does not hold up the activities after it.
                work = next(context);
            }
            finally
            {
                turn.SetResult();
            }
            await work;
        };

    /// <summary>Through the page's script (js/session.js), which stays put when the browser is already leaving the
    /// page: a late activity of a page being left (a resize on unload, say) must not turn the browser back to us. Not
    /// awaited: its answer is itself an activity of this ended circuit, which runs nothing.</summary>
    private void SendToSignIn()
    {
        var here = "/" + navigation.ToBaseRelativePath(navigation.Uri);
        var signIn = $"/signin?error=session-ended&returnUrl={Uri.EscapeDataString(here)}";
        _ = js.InvokeVoidAsync("hubSessionEnded", signIn).AsTask().ContinueWith(
            static call => _ = call.Exception, TaskContinuationOptions.OnlyOnFaulted);
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
