using System.Net;
using System.Text;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace ConstitutionHub.Web.Tests.Accounts;

/// <summary>Server-side sessions over real HTTP: a cookie is only as good as the session row behind it.</summary>
public sealed class SessionTests
{
    /// <summary>Whether the cookie in <paramref name="jar"/> is signed in, asked of an endpoint that needs a session.</summary>
    private static async Task<HttpStatusCode> ProbeAsync(HubServer server, CookieContainer jar)
    {
        using var client = server.Client(jar);
        using var response = await client.PostAsync("/api/constitutions", new StringContent("{", Encoding.UTF8, "application/json"));
        // Signed in: the malformed body gets its 400; signed out: 401 before the body is read.
        return response.StatusCode;
    }

    private static CookieContainer Copy(CookieContainer jar, Uri address)
    {
        var copy = new CookieContainer();
        foreach (Cookie cookie in jar.GetCookies(address)) copy.Add(address, new Cookie(cookie.Name, cookie.Value));
        return copy;
    }

    private static async Task<CookieContainer> SignInAsync(HubServer server, string name)
    {
        var jar = new CookieContainer();
        using var client = server.Client(jar);
        var response = await HubServer.PostLocalSignInAsync(client, name, "/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return jar;
    }

    private static async Task PostFormAsync(HubServer server, CookieContainer jar, string path)
    {
        using var client = server.Client(jar);
        var token = await HubServer.AntiforgeryTokenAsync(client, "/signin");
        var response = await client.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    [Fact]
    public async Task A_cookie_kept_from_before_sign_out_no_longer_signs_anyone_in()
    {
        await using var server = await HubServer.StartAsync("session_signout");
        var jar = await SignInAsync(server, "Ada");
        var stolen = Copy(jar, server.Address);
        Assert.Equal(HttpStatusCode.BadRequest, await ProbeAsync(server, stolen));

        await PostFormAsync(server, jar, "/auth/signout");

        Assert.Equal(HttpStatusCode.Unauthorized, await ProbeAsync(server, stolen));
        Assert.Equal(HttpStatusCode.Unauthorized, await ProbeAsync(server, jar));
        using var client = server.Client(stolen);
        Assert.DoesNotContain("signed-in-as", await client.GetStringAsync("/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_out_everywhere_ends_every_session_of_that_person_and_no_one_elses()
    {
        await using var server = await HubServer.StartAsync("session_everywhere");
        var laptop = await SignInAsync(server, "Ada");
        var phone = await SignInAsync(server, "Ada");
        var bob = await SignInAsync(server, "Bob");

        await PostFormAsync(server, laptop, "/auth/signout-everywhere");

        Assert.Equal(HttpStatusCode.Unauthorized, await ProbeAsync(server, laptop));
        Assert.Equal(HttpStatusCode.Unauthorized, await ProbeAsync(server, phone));
        Assert.Equal(HttpStatusCode.BadRequest, await ProbeAsync(server, bob));
    }

    [Fact]
    public async Task A_session_ends_after_its_idle_time_and_after_its_absolute_lifetime_however_busy()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await HubServer.StartAsync("session_lifetimes",
            settings: new Dictionary<string, string?> { ["Auth:Sessions:Idle"] = "01:00:00", ["Auth:Sessions:Absolute"] = "03:00:00" },
            configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));

        var idle = await SignInAsync(server, "Ada");
        clock.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(HttpStatusCode.BadRequest, await ProbeAsync(server, idle));
        clock.Advance(TimeSpan.FromMinutes(61));
        Assert.Equal(HttpStatusCode.Unauthorized, await ProbeAsync(server, idle));

        var busy = await SignInAsync(server, "Bob");
        for (var i = 0; i < 5; i++)
        {
            clock.Advance(TimeSpan.FromMinutes(35));
            Assert.Equal(HttpStatusCode.BadRequest, await ProbeAsync(server, busy));
        }
        clock.Advance(TimeSpan.FromMinutes(10)); // 3 h 5 min after sign-in, 10 min after the last request
        Assert.Equal(HttpStatusCode.Unauthorized, await ProbeAsync(server, busy));
    }
}
