using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConstitutionHub.Web.Tests.Accounts;

/// <summary>
/// An open page outlives its session no longer: Ada edits in Chromium, signs out everywhere from another device, and
/// the open page's next action (Save) does nothing but take her to the sign-in form, which says why.
/// </summary>
public sealed class SessionGuardBrowserTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(SessionGuardBrowserTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task After_sign_out_everywhere_an_open_edit_page_saves_nothing_and_goes_to_sign_in()
    {
        var phone = await server.SignedInClientAsync("Ada");
        await ApiSeed.ConstitutionAsync(phone, "guarded", "Guarded", "# Guarded\n\n## Honesty\n\nTell the truth.\n");

        var laptop = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(laptop, "Ada", "/c/guarded/edit");
        await Chromium.WaitForLiveAsync(laptop);
        await Chromium.ReplaceEditorTextAsync(laptop, "# Guarded\n\n## Honesty\n\nTell the truth, after sign-out.\n");
        await Expect(laptop.GetByTestId("preview")).ToContainTextAsync("after sign-out");

        var token = await HubServer.AntiforgeryTokenAsync(phone, "/signin");
        var signedOut = await phone.PostAsync("/auth/signout-everywhere",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signedOut.StatusCode);

        // The page's next activity after the sign-out ends it: the Save click, or, on a busy machine, the editor's own
        // traffic (a preview update still on its way) that reaches the circuit first. Either way nothing is saved.
        try
        {
            await laptop.GetByTestId("save").ClickAsync(new() { Timeout = 10_000 });
        }
        catch (Exception e) when (e is TimeoutException or PlaywrightException && new Uri(laptop.Url).AbsolutePath == "/signin")
        {
            // Already on its way to the sign-in form.
        }
        await laptop.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/signin", new() { Timeout = 30_000 });
        Assert.Contains("returnUrl=%2Fc%2Fguarded%2Fedit", laptop.Url, StringComparison.Ordinal);
        await Expect(laptop.GetByTestId("signin-error")).ToContainTextAsync("Your session has ended");

        var now = await server.Client().GetFromJsonAsync<JsonElement>("/api/constitutions/guarded");
        Assert.Equal(1, now.GetProperty("head").GetProperty("number").GetInt32());
    }
}
