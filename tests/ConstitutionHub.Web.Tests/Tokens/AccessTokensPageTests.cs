using System.Net;
using System.Net.Http.Headers;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Tokens;

/// <summary>The account page for access tokens, in a real Chromium: a token made there works for a script until it is
/// revoked there.</summary>
public sealed class AccessTokensPageTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(20_000);
        server = await HubServer.StartAsync(nameof(AccessTokensPageTests));
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_token_created_on_the_page_works_as_bearer_until_revoked_on_the_page()
    {
        var page = await Chromium.NewPageAsync(server.Address);
        page.Context.SetDefaultTimeout(30_000);
        await Chromium.SignInAsync(page, "Ada");
        await Chromium.GotoLiveAsync(page, "/"); // the user menu opens on the circuit
        await page.GetByTestId("signed-in-as").ClickAsync();
        await page.GetByText("Access tokens").ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/account/tokens");
        await Chromium.WaitForLiveAsync(page);
        await Assertions.Expect(page.GetByTestId("no-tokens")).ToBeVisibleAsync();

        await page.Locator("#token-name").FillAsync("nightly export");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("new-token")).ToBeVisibleAsync();
        var secret = await page.Locator("#new-token-secret").InputValueAsync();
        Assert.StartsWith("chp_", secret, StringComparison.Ordinal);
        var row = page.Locator("[data-testid=token-row][data-name='nightly export']");
        await Assertions.Expect(row).ToContainTextAsync("read");
        await Assertions.Expect(row).ToContainTextAsync("active");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "hub-account-shots", "access-tokens.png"), FullPage = true });

        using var script = server.Client(cookies: false);
        script.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/constitutions")).StatusCode);

        await page.GetByRole(AriaRole.Button, new() { Name = "Revoke nightly export" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("revoked");
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/constitutions")).StatusCode);
    }
}
