using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace ConstitutionHub.Web.Tests.Tokens;

/// <summary>Personal access tokens over real HTTP: created once, hashed, scoped, expiring, revocable, rate-limited per token.</summary>
public sealed class AccessTokenTests
{
    private static async Task<(string Id, string Secret)> CreateAsync(HttpClient session, string scopes, int days = 30)
    {
        var body = $$"""{"name":"script","scopes":[{{string.Join(',', scopes.Split(',').Select(s => $"\"{s}\""))}}],"expiresInDays":{{days}}}""";
        var response = await session.PostAsync("/api/tokens", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (json.GetProperty("id").GetString()!, json.GetProperty("secret").GetString()!);
    }

    private static HttpClient Bearer(HubServer server, string secret)
    {
        var client = server.Client(cookies: false);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        return client;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_token_acts_as_its_holder_within_its_scopes_only()
    {
        await using var server = await HubServer.StartAsync("tokens_scopes");
        var ada = await server.SignedInClientAsync("Ada");
        var (_, readOnly) = await CreateAsync(ada, "read");
        var (_, writer) = await CreateAsync(ada, "read,write");
        var (_, chat) = await CreateAsync(ada, "chat");

        using var reader = Bearer(server, readOnly);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/constitutions")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/v1/models")).StatusCode);
        var refused = await reader.PostAsync("/api/constitutions", Json("""{"slug":"by-token","title":"T","summary":"","visibility":"public","markdown":"# T\n"}"""));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("'write' scope", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PostAsync("/v1/chat/completions", Json("{}"))).StatusCode);

        using var write = Bearer(server, writer);
        var created = await write.PostAsync("/api/constitutions", Json("""{"slug":"by-token","title":"T","summary":"","visibility":"private","markdown":"# T\n"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        // Recorded as Ada's, and private to her: her token reads it, an anonymous client gets the same 404 as for nothing.
        Assert.Contains("Ada", await (await write.GetAsync("/api/constitutions/by-token")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync("/api/constitutions/by-token")).StatusCode);

        // The chat scope passes the gate to /v1's own checks (here: a body with no model is the endpoint's 400).
        using var chatter = Bearer(server, chat);
        Assert.Equal(HttpStatusCode.BadRequest, (await chatter.PostAsync("/v1/chat/completions", Json("{}"))).StatusCode);

        // Tokens reach neither pages nor token management.
        Assert.Equal(HttpStatusCode.Forbidden, (await write.GetAsync("/c/by-token")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await write.PostAsync("/api/tokens", Json("""{"name":"x","scopes":["read"]}"""))).StatusCode);
    }

    [Fact]
    public async Task A_token_is_shown_once_stored_hashed_listed_with_its_last_use_and_revoked_at_once()
    {
        await using var server = await HubServer.StartAsync("tokens_revoke");
        var ada = await server.SignedInClientAsync("Ada");
        var (id, secret) = await CreateAsync(ada, "read");
        Assert.StartsWith("chp_", secret, StringComparison.Ordinal);

        await using (var stored = server.Services.GetRequiredService<Npgsql.NpgsqlDataSource>()
            .CreateCommand("select count(*) from access_tokens where hash = @secret or name = @secret"))
        {
            stored.Parameters.AddWithValue("secret", secret);
            Assert.Equal(0L, await stored.ExecuteScalarAsync());
        }

        using var script = Bearer(server, secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/constitutions")).StatusCode);
        var listed = await ada.GetStringAsync("/api/tokens");
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        var token = JsonDocument.Parse(listed).RootElement.EnumerateArray().Single(t => t.GetProperty("id").GetString() == id);
        Assert.NotEqual(JsonValueKind.Null, token.GetProperty("lastUsed").ValueKind);

        // Bob cannot revoke Ada's token; Ada can, and it stops at once.
        var bob = await server.SignedInClientAsync("Bob");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.DeleteAsync($"/api/tokens/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/constitutions")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ada.DeleteAsync($"/api/tokens/{id}")).StatusCode);
        var after = await script.GetAsync("/api/constitutions");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_expires_and_bad_requests_to_create_one_get_400_with_the_field()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await HubServer.StartAsync("tokens_expiry", configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var ada = await server.SignedInClientAsync("Ada");
        var (_, secret) = await CreateAsync(ada, "read", days: 1);
        foreach (var (body, field) in new[]
        {
            ("""{"name":"x","scopes":["admin"]}""", "scopes"), ("""{"name":"x","scopes":[]}""", "scopes"),
            ("""{"name":"","scopes":["read"]}""", "name"), ("""{"name":"x","scopes":["read"],"expiresInDays":400}""", "expiresInDays"),
            ("""{"name":"x","scopes":["read"],"expiresInDays":0}""", "expiresInDays"), ("{", "body"),
        })
        {
            var response = await ada.PostAsync("/api/tokens", Json(body));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal(field, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
        }
        using var script = Bearer(server, secret);
        Assert.Equal(HttpStatusCode.OK, (await script.GetAsync("/api/constitutions")).StatusCode);
        clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(HttpStatusCode.Unauthorized, (await script.GetAsync("/api/constitutions")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Bearer(server, "chp_made-up").GetAsync("/api/constitutions")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().PostAsync("/api/tokens", Json("""{"name":"x","scopes":["read"]}"""))).StatusCode);
    }

    [Fact]
    public async Task Each_token_has_its_own_budget_of_requests_per_minute()
    {
        await using var server = await HubServer.StartAsync("tokens_rate",
            settings: new Dictionary<string, string?> { ["Auth:Tokens:RequestsPerMinute"] = "3" });
        var ada = await server.SignedInClientAsync("Ada");
        var (_, first) = await CreateAsync(ada, "read");
        var (_, second) = await CreateAsync(ada, "read");
        using var busy = Bearer(server, first);
        for (var i = 0; i < 3; i++) Assert.Equal(HttpStatusCode.OK, (await busy.GetAsync("/api/constitutions")).StatusCode);
        var limited = await busy.GetAsync("/api/constitutions");
        Assert.Equal((HttpStatusCode)429, limited.StatusCode);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await Bearer(server, second).GetAsync("/api/constitutions")).StatusCode);
        // The session is not a token: it keeps working.
        Assert.Equal(HttpStatusCode.OK, (await ada.GetAsync("/api/constitutions")).StatusCode);
    }
}
