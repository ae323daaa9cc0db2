using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Constitutions;

public sealed class ConstitutionsApiTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(ConstitutionsApiTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<HttpResponseMessage> PostRevision(HttpClient client, string slug, string? ifMatch, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/constitutions/{slug}/revisions") { Content = Json(body) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.SendAsync(request);
    }

    private async Task<HttpClient> WithDocument(string slug, string name = "Ada")
    {
        var client = await server.SignedInClientAsync(name);
        var created = await client.PostAsync("/api/constitutions", Json(new { slug, title = $"Doc {slug}", markdown = "# T\n\n## Honesty\n\nTell the truth.\n" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return client;
    }

    [Fact]
    public async Task The_baseline_constitution_is_readable_with_sections_and_an_etag()
    {
        var response = await server.Client().GetAsync("/api/constitutions/baseline");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"r1\"", response.Headers.ETag?.Tag);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var sections = json.RootElement.GetProperty("head").GetProperty("sections").EnumerateArray().ToList();
        Assert.Contains(sections, s => s.GetProperty("heading").GetString() == "Agreeableness"
            && s.GetProperty("variantNames").EnumerateArray().Select(v => v.GetString()).SequenceEqual(["lower", "default", "higher"]));
    }

    [Fact]
    public async Task Posting_with_the_current_etag_creates_a_revision_and_a_stale_etag_gets_409()
    {
        var client = await WithDocument("api-etag");

        var first = await PostRevision(client, "api-etag", "\"r1\"", new { markdown = "# T\n\n## Honesty\n\nAlways tell the truth.\n", summary = "stronger" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal("\"r2\"", first.Headers.ETag?.Tag);

        var stale = await PostRevision(client, "api-etag", "\"r1\"", new { markdown = "# T\n\nlost?\n" });
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Contains("revision 2", await stale.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var history = await client.GetFromJsonAsync<JsonElement>("/api/constitutions/api-etag/revisions");
        Assert.Equal(2, history.GetProperty("revisions").GetArrayLength());
    }

    [Fact]
    public async Task A_retried_post_with_the_same_command_id_is_applied_once()
    {
        var client = await WithDocument("api-retry");
        var body = new { markdown = "# T\n\nOnce.\n", commandId = Guid.NewGuid() };

        var first = await PostRevision(client, "api-retry", "\"r1\"", body);
        var retry = await PostRevision(client, "api-retry", "\"r1\"", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal("\"r2\"", retry.Headers.ETag?.Tag);
        var history = await client.GetFromJsonAsync<JsonElement>("/api/constitutions/api-retry/revisions");
        Assert.Equal(2, history.GetProperty("revisions").GetArrayLength());
    }

    [Theory]
    [InlineData(null, "application/json", "{}", 428)]
    [InlineData("\"rX\"", "application/json", "{}", 400)]
    [InlineData("\"r1\"", "application/json", "{not json", 400)]
    [InlineData("\"r1\"", "text/plain", "hello", 400)]
    public async Task Malformed_revision_posts_get_a_reason_and_change_nothing(string? ifMatch, string contentType, string body, int status)
    {
        var client = await WithDocument($"api-bad-{status}-{Math.Abs((ifMatch + contentType + body).GetHashCode()) % 10000}");
        var slug = (await client.GetFromJsonAsync<JsonElement>("/api/constitutions")).EnumerateArray().First().GetProperty("slug").GetString()!;
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/constitutions/{slug}/revisions")
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
        };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);

        var response = await client.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        var doc = await client.GetFromJsonAsync<JsonElement>($"/api/constitutions/{slug}");
        Assert.Equal(1, doc.GetProperty("constitution").GetProperty("headRevision").GetInt32());
    }

    [Fact]
    public async Task An_oversize_document_is_refused_with_the_limit_in_the_message()
    {
        var client = await WithDocument("api-big");
        var response = await PostRevision(client, "api-big", "\"r1\"", new { markdown = new string('x', 1024 * 1024 + 10) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("1 MiB", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_slugs_and_titles_are_refused_with_the_field_named()
    {
        var client = await server.SignedInClientAsync("Bea");
        var badSlug = await client.PostAsync("/api/constitutions", Json(new { slug = "Not A Slug!", title = "x", markdown = "" }));
        var noTitle = await client.PostAsync("/api/constitutions", Json(new { slug = "fine-slug", title = " ", markdown = "" }));

        Assert.Equal(HttpStatusCode.BadRequest, badSlug.StatusCode);
        Assert.Equal("slug", (await badSlug.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
        Assert.Equal("title", (await noTitle.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task Writing_needs_a_signed_in_person_and_private_documents_are_invisible_to_others()
    {
        var anonymous = await PostRevision(server.Client(), "baseline", "\"r1\"", new { markdown = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var owner = await server.SignedInClientAsync("Owner");
        var created = await owner.PostAsync("/api/constitutions", Json(new { slug = "secret-doc", title = "Secret", visibility = "private", markdown = "# S\n" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var other = await server.SignedInClientAsync("Other");
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/api/constitutions/secret-doc")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync("/c/secret-doc")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostRevision(other, "secret-doc", "\"r1\"", new { markdown = "mine now" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/api/constitutions/secret-doc")).StatusCode);
        var list = await other.GetFromJsonAsync<JsonElement>("/api/constitutions");
        Assert.DoesNotContain(list.EnumerateArray(), c => c.GetProperty("slug").GetString() == "secret-doc");
    }

    [Fact]
    public async Task The_compiled_prompt_follows_the_recipe_and_its_hash_changes_with_it()
    {
        var sections = await server.Client().GetFromJsonAsync<JsonElement>("/api/constitutions/baseline/sections");
        var agreeableness = sections.GetProperty("sections").EnumerateArray().First(s => s.GetProperty("heading").GetString() == "Agreeableness");
        var id = agreeableness.GetProperty("id").GetString();

        var byDefault = await server.Client().GetFromJsonAsync<JsonElement>("/api/constitutions/baseline/prompt");
        var lower = await server.Client().GetFromJsonAsync<JsonElement>($"/api/constitutions/baseline/prompt?{id}=lower");
        var unknown = await server.Client().GetAsync($"/api/constitutions/baseline/prompt?{id}=nonexistent");

        Assert.Contains("You push back whenever", lower.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("You push back whenever", byDefault.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(byDefault.GetProperty("hash").GetString(), lower.GetProperty("hash").GetString());
        Assert.StartsWith("sha256:", lower.GetProperty("hash").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
    }

    [Fact]
    public async Task Unknown_revisions_and_documents_answer_404()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync("/api/constitutions/baseline/revisions/999")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync("/api/constitutions/no-such-doc")).StatusCode);
        var page = await server.Client().GetAsync("/c/baseline/r/999");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Contains("Not found", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
