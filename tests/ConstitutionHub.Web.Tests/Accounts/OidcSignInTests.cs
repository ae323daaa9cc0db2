using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConstitutionHub.Web.Tests.Accounts;

/// <summary>
/// The app against a real OpenID Provider (oidc-provider on loopback) in a real Chromium: its login and consent pages,
/// sign-out at the provider, and every kind of bad answer refused with a clear page and nobody signed in.
/// </summary>
public sealed class OidcSignInTests : IAsyncLifetime
{
    private HubServer server = null!;
    private OidcProvider provider = null!;

    public async Task InitializeAsync()
    {
        var port = OidcProvider.FreePort();
        server = await HubServer.StartAsync("oidc_signin", settings: OidcProvider.AppSettings(port));
        provider = await OidcProvider.StartAsync(port, server.Address);
    }

    public async Task DisposeAsync()
    {
        await provider.DisposeAsync();
        await server.DisposeAsync();
    }

    /// <summary>From the app's sign-in page through the provider's login (and, the first time, consent) page.</summary>
    private static async Task SignInAtProviderAsync(IPage page, string login, string returnTo = "/")
    {
        await page.GotoAsync($"/signin?returnUrl={Uri.EscapeDataString(returnTo)}");
        await page.GetByTestId("signin-oidc").ClickAsync();
        await page.Locator("input[name=login]").FillAsync(login);
        await page.Locator("input[name=password]").FillAsync("any password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign-in" }).ClickAsync();
        // The provider asks for consent the first time only; then it sends the browser back to the app.
        var consent = page.GetByRole(AriaRole.Button, new() { Name = "Continue" });
        await Expect(consent.Or(page.GetByTestId("signed-in-as"))).ToBeVisibleAsync();
        if (await consent.IsVisibleAsync()) await consent.ClickAsync();
    }

    [Fact]
    public async Task A_person_signs_in_through_the_providers_pages_signs_out_there_too_and_signs_in_again()
    {
        var page = await Chromium.NewPageAsync(server.Address);
        try
        {
            await SignInAtProviderAsync(page, "ada", "/search");
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/search");
            await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync("Ada Tester");
            var ada = await server.Services.GetRequiredService<Core.People.PeopleDirectory>().ByHandleAsync("ada");
            await using (var admin = server.Services.GetRequiredService<Npgsql.NpgsqlDataSource>()
                .CreateCommand("select bool_or(is_admin) from sessions where person_id = @id"))
            {
                admin.Parameters.AddWithValue("id", ada!.Id);
                Assert.Equal(false, await admin.ExecuteScalarAsync());
            }

            // Sign out with the browser's cookies: our session ends, and the answer sends the browser to the provider's
            // end_session_endpoint with the ID token as hint, to come back to the app.
            var cookieHeader = string.Join("; ", (await page.Context.CookiesAsync([server.Address.ToString()])).Select(c => $"{c.Name}={c.Value}"));
            using var client = server.Client(cookies: false);
            client.DefaultRequestHeaders.Add("Cookie", cookieHeader);
            var token = await HubServer.AntiforgeryTokenAsync(client, "/signin");
            var signOut = await client.PostAsync("/auth/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
            Assert.Equal(System.Net.HttpStatusCode.Redirect, signOut.StatusCode);
            var endSession = signOut.Headers.Location!;
            Assert.Equal(provider.Issuer.Port, endSession.Port);
            Assert.Contains("id_token_hint=", endSession.Query, StringComparison.Ordinal);
            Assert.Contains(Uri.EscapeDataString($"{server.Address.ToString().TrimEnd('/')}/signout-callback-oidc"), endSession.Query, StringComparison.Ordinal);

            // The open page learns that its session ended and leaves for the sign-in form on its own, which would cut
            // short any navigation made in it (and closing it mid-navigation can hang Chromium's close); the provider's
            // link is followed in a new tab of the same browser (same cookies), and the old tab is left to the context.
            page = await page.Context.NewPageAsync();
            await page.GotoAsync(endSession.ToString());
            await page.GetByRole(AriaRole.Button, new() { Name = "Yes, sign me out" }).ClickAsync();
            await page.WaitForURLAsync(url => new Uri(url).Port == server.Address.Port && new Uri(url).AbsolutePath == "/");
            await Expect(page.GetByTestId("signed-in-as")).ToHaveCountAsync(0);

            // The provider's session ended too: signing in again asks for the login again.
            await page.GotoAsync("/signin");
            await page.GetByTestId("signin-oidc").ClickAsync();
            await Expect(page.Locator("input[name=login]")).ToBeVisibleAsync();
            await page.Locator("input[name=login]").FillAsync("ada");
            await page.Locator("input[name=password]").FillAsync("any password");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign-in" }).ClickAsync();
            // A new provider session asks for consent again.
            var consent = page.GetByRole(AriaRole.Button, new() { Name = "Continue" });
            await Expect(consent.Or(page.GetByTestId("signed-in-as"))).ToBeVisibleAsync();
            if (await consent.IsVisibleAsync()) await consent.ClickAsync();
            await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync("Ada Tester");
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Theory]
    [InlineData("wrong-issuer")]
    [InlineData("wrong-audience")]
    [InlineData("expired")]
    [InlineData("nonce")]
    [InlineData("alg-none")]
    [InlineData("unknown-key")]
    [InlineData("state")]
    [InlineData("pkce")]
    public async Task A_bad_answer_from_the_provider_is_refused_with_a_clear_page_and_nobody_signed_in(string mode)
    {
        await provider.SetModeAsync(mode);
        var page = await Chromium.NewPageAsync(server.Address);
        try
        {
            await page.GotoAsync("/signin");
            await page.GetByTestId("signin-oidc").ClickAsync();
            var login = page.Locator("input[name=login]");
            var refused = page.GetByTestId("signin-error");
            // The bad answer comes after the provider's login and consent (or at once, when the provider itself refuses).
            await Expect(login.Or(refused)).ToBeVisibleAsync();
            if (await login.IsVisibleAsync())
            {
                await login.FillAsync("mallory");
                await page.Locator("input[name=password]").FillAsync("any password");
                await page.GetByRole(AriaRole.Button, new() { Name = "Sign-in" }).ClickAsync();
                var consent = page.GetByRole(AriaRole.Button, new() { Name = "Continue" });
                await Expect(consent.Or(refused)).ToBeVisibleAsync();
                if (await consent.IsVisibleAsync()) await consent.ClickAsync();
            }

            await Expect(refused).ToContainTextAsync("could not be verified");
            Assert.Equal("/signin", new Uri(page.Url).AbsolutePath);
            await Expect(page.GetByTestId("signed-in-as")).ToHaveCountAsync(0);
            using var client = server.Client();
            var cookies = await page.Context.CookiesAsync([server.Address.ToString()]);
            client.DefaultRequestHeaders.Add("Cookie", string.Join("; ", cookies.Select(c => $"{c.Name}={c.Value}")));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.PostAsync("/api/constitutions",
                new StringContent("{", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        }
        finally
        {
            await provider.SetModeAsync("ok");
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_replayed_authorization_response_signs_nobody_in()
    {
        var page = await Chromium.NewPageAsync(server.Address);
        string? callback = null;
        page.Request += (_, request) => { if (request.Url.Contains("/signin-oidc?", StringComparison.Ordinal)) callback = request.Url; };
        try
        {
            await SignInAtProviderAsync(page, "grace");
            await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync("Grace Tester");
            Assert.NotNull(callback);

            // The same code and state, again, from a browser that never started that sign-in.
            var other = await Chromium.NewPageAsync(server.Address);
            try
            {
                await other.GotoAsync(callback);
                await Expect(other.GetByTestId("signin-error")).ToBeVisibleAsync();
                await Expect(other.GetByTestId("signed-in-as")).ToHaveCountAsync(0);
            }
            finally
            {
                await other.Context.CloseAsync();
            }
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task The_admin_claim_makes_a_site_admin_and_people_are_told_apart_by_issuer_and_subject()
    {
        var page = await Chromium.NewPageAsync(server.Address);
        try
        {
            await SignInAtProviderAsync(page, "admin-ann");
            await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync("Admin-ann Tester");
            var people = server.Services.GetRequiredService<Core.People.PeopleDirectory>();
            var person = await people.ByHandleAsync("admin-ann");
            Assert.NotNull(person);
            Assert.Equal(provider.Issuer.ToString().TrimEnd('/'), person.Issuer.TrimEnd('/'));
            Assert.Equal("admin-ann", person.Subject);
            Assert.Equal(Core.People.PeopleDirectory.ActorId(person.Issuer, "admin-ann"), person.Id);
            Assert.StartsWith("oidc:", person.Id, StringComparison.Ordinal);
            await using var admin = server.Services.GetRequiredService<Npgsql.NpgsqlDataSource>()
                .CreateCommand("select bool_and(is_admin) from sessions where person_id = @id");
            admin.Parameters.AddWithValue("id", person.Id);
            Assert.Equal(true, await admin.ExecuteScalarAsync());
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }
}
