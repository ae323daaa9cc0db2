using System.Net;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Infrastructure;

/// <summary>Malformed query values and bodies are the client's mistake: a 400 that says why, never a 500.</summary>
public sealed class MalformedInputTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(MalformedInputTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    /// <summary>Routes that bind the query value <c>{0}</c> as a number or an id.</summary>
    private static readonly string[] TypedRoutes =
    [
        "/api/constitutions/baseline/revisions?limit={0}",
        "/api/constitutions/baseline/revisions?before={0}",
        "/api/constitutions/baseline/sections?rev={0}",
        "/api/constitutions/baseline/prompt?rev={0}",
        "/api/activity?before={0}",
        "/c/baseline/diff?from={0}&to=1",
        "/c/baseline/prompt?rev={0}",
        "/c/baseline/chats/new?rev={0}",
        "/c/baseline/chats?rev={0}",
        $"/chats/{{1}}/export.md?leaf={{0}}",
        $"/chats/{{1}}/export.json?leaf={{0}}",
    ];

    /// <summary>Values no typed route can take: words, numbers past 64 bits, NUL and another control character, an emoji.</summary>
    private static readonly string[] BadValues = ["abc", "zzz", "99999999999999999999", "1e3", "%00", "%011", "%F0%9F%98%80"];

    [Fact]
    public async Task Every_malformed_typed_query_value_gets_400_with_the_reason()
    {
        var client = await server.SignedInClientAsync("Query Prober");
        var failures = new List<string>();
        foreach (var route in TypedRoutes)
        foreach (var value in BadValues)
        {
            var path = string.Format(route, value, Guid.NewGuid());
            var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.BadRequest || !body.Contains("query value", StringComparison.Ordinal))
                failures.Add($"{path}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 120)]}");
        }
        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Int_overflow_answers_with_the_range_and_api_errors_are_problem_details()
    {
        var response = await server.Client().GetAsync("/api/constitutions/baseline/revisions?before=99999999999");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("whole number from -2147483648 to 2147483647", json.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Well_formed_values_still_reach_the_routes()
    {
        var client = server.Client();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/constitutions/baseline/revisions?limit=5&before=2")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/constitutions/baseline/sections?rev=1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/c/baseline/history?before=abc")).StatusCode); // the page takes no "before"
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/search?q=honesty")).StatusCode);
    }

    [Fact]
    public async Task A_search_with_NUL_is_refused_and_one_cut_inside_an_emoji_is_answered()
    {
        var client = server.Client();

        var nul = await client.GetAsync("/search?q=%00");
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        Assert.Contains("control characters", await nul.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // 199 letters and an emoji: the 200-character cut falls between the emoji's two UTF-16 halves.
        var longQuery = new string('a', 199) + "😀";
        var emoji = await client.GetAsync($"/search?q={Uri.EscapeDataString(longQuery)}");
        Assert.Equal(HttpStatusCode.OK, emoji.StatusCode);
    }

    [Fact]
    public async Task A_lone_surrogate_in_a_chat_completion_gets_an_OpenAI_shaped_400()
    {
        var client = await server.SignedInClientAsync("Surrogate Sender");
        const string body = """{"model":"demo","messages":[{"role":"user","content":"half a pair: \ud800 here"}]}""";

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("invalid_unicode", error.GetProperty("code").GetString());
    }
}
