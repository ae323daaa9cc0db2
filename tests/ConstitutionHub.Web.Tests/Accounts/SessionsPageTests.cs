using System.Net;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Accounts;

/// <summary>The account page of open sessions, in a real Chromium, with a second "device" signed in over HTTP.</summary>
public sealed class SessionsPageTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(20_000);
        server = await HubServer.StartAsync(nameof(SessionsPageTests));
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task The_page_marks_this_device_and_signs_out_another_one_at_once()
    {
        var phone = await server.SignedInClientAsync("Ada");
        Assert.Equal(HttpStatusCode.OK, (await phone.GetAsync("/api/tokens")).StatusCode);
        var page = await Chromium.NewPageAsync(server.Address);
        page.Context.SetDefaultTimeout(30_000);
        await Chromium.SignInAsync(page, "Ada");

        await Chromium.GotoLiveAsync(page, "/account/sessions");
        var rows = page.GetByTestId("session-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        var here = page.Locator("[data-testid=session-row][data-here=true]");
        await Assertions.Expect(here).ToContainTextAsync("this device");
        await Assertions.Expect(here).ToContainTextAsync("Chrome on Linux");

        await page.Locator("[data-testid=session-row][data-here=false]").GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows).ToHaveAttributeAsync("data-here", "true");
        Assert.Equal(HttpStatusCode.Unauthorized, (await phone.GetAsync("/api/tokens")).StatusCode);
        // This browser's own session goes on.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToBeVisibleAsync();
    }
}
