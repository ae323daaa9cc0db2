using System.Net;
using AngleSharp.Html.Parser;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Accounts;

public sealed class SignInTests
{
    [Fact]
    public async Task Outside_Development_local_sign_in_is_refused_with_how_to_configure_real_sign_in()
    {
        await using var server = await HubServer.StartAsync("production_signin", environment: "Production");
        var client = server.Client();

        var page = await client.GetStringAsync("/signin");
        var notice = new HtmlParser().ParseDocument(page).QuerySelector("[data-testid=local-signin-disabled]");
        Assert.NotNull(notice);
        Assert.Contains("Auth:Oidc:Authority", notice.TextContent, StringComparison.Ordinal);

        // Posting the form anyway signs no one in.
        var response = await client.PostAsync("/auth/local", new FormUrlEncodedContent(new Dictionary<string, string> { ["displayName"] = "Eve" }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/signin?error=local-disabled", response.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsync("/api/constitutions",
            new StringContent("{}", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("<script>")]
    [InlineData("a name that is far too long for anybody to type in here")]
    public async Task An_invalid_display_name_is_refused_and_nobody_is_signed_in(string name)
    {
        await using var server = await HubServer.StartAsync("bad_names");
        var client = server.Client();
        var response = await HubServer.PostLocalSignInAsync(client, name, "/");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin?error=invalid-name", response.Headers.Location?.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("signed-in-as", await client.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_return_url_to_another_site_is_ignored()
    {
        await using var server = await HubServer.StartAsync("open_redirect");
        var client = server.Client();
        var response = await HubServer.PostLocalSignInAsync(client, "Ada", "//evil.example/phish");
        Assert.Equal("/", response.Headers.Location?.ToString());
    }
}
