using System.Net;
using ConstitutionHub.Web.Features.Accounts;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Accounts;

/// <summary>Open-redirect tricks from the usual corpora: each must come back as a path on this site.</summary>
public sealed class ReturnUrlTests
{
    private static readonly string[] Corpus =
    [
        "//evil.example", "///evil.example", "////evil.example/x", "/\\evil.example", "\\\\evil.example", "\\/evil.example",
        "/\t/evil.example", "/%09/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/ /evil.example", "/\u00a0/evil.example",
        "/%2F/evil.example", "/%2f%2fevil.example", "/%5Cevil.example", "/%5C%5Cevil.example", "/%252F/evil.example",
        "https://evil.example", "http:evil.example", "javascript:alert(1)", "data:text/html,x", "evil.example", "  /x",
        "/\u2028/evil.example", "/\0/evil.example", "/\u001f/evil.example", "/\ud800/x", "",
    ];

    public static TheoryData<string> Tricks() => new(Corpus);

    [Theory]
    [MemberData(nameof(Tricks))]
    public void A_redirect_trick_becomes_the_home_page_or_stays_on_the_site(string url) => AssertOnSite(ReturnUrls.Safe(url));

    private static void AssertOnSite(string safe)
    {
        Assert.StartsWith("/", safe, StringComparison.Ordinal);
        Assert.False(safe.Length > 1 && safe[1] is '/' or '\\', safe);
        Assert.DoesNotContain(safe, c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\');
        var resolved = new Uri(new Uri("https://hub.example/"), safe);
        Assert.Equal("hub.example", resolved.Host);
        // Decoded again by a careless proxy, it still stays on the site.
        Assert.False(Uri.UnescapeDataString(safe).StartsWith("//", StringComparison.Ordinal), safe);
    }

    [Theory]
    [InlineData("/c/honesty", "/c/honesty")]
    [InlineData("/c/honesty/history?before=3#top", "/c/honesty/history?before=3#top")]
    [InlineData("/search?q=caf%C3%A9", "/search?q=caf%C3%A9")]
    [InlineData("/", "/")]
    public void A_local_path_is_kept(string url, string expected) => Assert.Equal(expected, ReturnUrls.Safe(url));

    [Fact]
    public async Task Sign_in_and_the_sign_in_button_never_redirect_off_the_site_nor_fail()
    {
        await using var server = await HubServer.StartAsync("return_urls");
        foreach (var url in Corpus)
        {
            using var client = server.Client();
            var local = await HubServer.PostLocalSignInAsync(client, "Ada", url);
            // A NUL in a form is refused by the form reader itself: a 400 with the reason, nobody signed in.
            if (url.Contains('\0'))
                Assert.Equal(HttpStatusCode.BadRequest, local.StatusCode);
            else
            {
                Assert.True(local.StatusCode == HttpStatusCode.Redirect, $"{(int)local.StatusCode} for {Uri.EscapeDataString(url)}");
                // The client's encoder turns a lone surrogate into U+FFFD, which is a harmless local path.
                Assert.Equal(url.Contains('\ud800') ? "/%EF%BF%BD/x" : "/", local.Headers.Location?.OriginalString);
            }

            var button = await client.GetAsync($"/auth/signin?returnUrl={Uri.EscapeDataString(url)}");
            // Control characters other than white space are refused in every query value (QueryChecks): a 400 that says so.
            if (url.Any(c => char.IsControl(c) && c is not '\t' and not '\n' and not '\r'))
            {
                Assert.Equal(HttpStatusCode.BadRequest, button.StatusCode);
                Assert.Contains("control characters", await button.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                Assert.Equal(HttpStatusCode.BadRequest, (await client.GetAsync($"/signin?returnUrl={Uri.EscapeDataString(url)}")).StatusCode);
                continue;
            }
            Assert.Equal(HttpStatusCode.Redirect, button.StatusCode);
            var location = button.Headers.Location?.OriginalString ?? "";
            Assert.StartsWith("/signin?returnUrl=", location, StringComparison.Ordinal);
            AssertOnSite(Uri.UnescapeDataString(location["/signin?returnUrl=".Length..]));

            var page = await client.GetAsync($"/signin?returnUrl={Uri.EscapeDataString(url)}");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }
    }
}
