using System.Net;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Members;

/// <summary>Roles, invitations and requests to join through the JSON API, on real HTTP and PostgreSQL.</summary>
public sealed class MembersApiTests : IAsyncLifetime
{
    private HubServer server = null!;
    private HttpClient ada = null!, bea = null!, cy = null!;

    public async Task InitializeAsync()
    {
        server = await HubServer.StartAsync(nameof(MembersApiTests));
        (ada, bea, cy) = (await server.SignedInClientAsync("Ada"), await server.SignedInClientAsync("Bea"), await server.SignedInClientAsync("Cy"));
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private async Task Private(string slug)
    {
        var created = await ada.PostAsync("/api/constitutions", Json(new { slug, title = "P", summary = "", visibility = "private", markdown = "# P\n" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    private static async Task<JsonElement> Members(HttpClient client, string slug) =>
        JsonDocument.Parse(await client.GetStringAsync($"/api/constitutions/{slug}/members")).RootElement;

    [Fact]
    public async Task An_invited_person_reads_a_private_constitution_once_they_accept_and_not_after_removal()
    {
        await Private("invited");
        Assert.Equal(HttpStatusCode.NotFound, (await bea.GetAsync("/api/constitutions/invited")).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await ada.PostAsync("/api/constitutions/invited/invitations", Json(new { handle = "@bea", role = "editor" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bea.GetAsync("/api/constitutions/invited")).StatusCode);
        var mine = JsonDocument.Parse(await bea.GetStringAsync("/api/invitations")).RootElement;
        Assert.Equal("invited", mine[0].GetProperty("slug").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await bea.PostAsync("/api/constitutions/invited/invitations/accept", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bea.GetAsync("/api/constitutions/invited")).StatusCode);
        Assert.Contains("\"slug\":\"invited\"", await bea.GetStringAsync("/api/constitutions"), StringComparison.Ordinal);
        var members = await Members(ada, "invited");
        Assert.Equal("editor", members.GetProperty("members")[0].GetProperty("role").GetString());
        Assert.Equal(0, members.GetProperty("invitations").GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await ada.DeleteAsync("/api/constitutions/invited/members/bea")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bea.GetAsync("/api/constitutions/invited")).StatusCode);
    }

    [Fact]
    public async Task A_request_to_join_is_approved_by_a_maintainer_and_an_editor_cannot_manage()
    {
        await Private("asked");
        Assert.Equal(HttpStatusCode.Accepted, (await bea.PostAsync("/api/constitutions/asked/requests", Json(new { role = "editor" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await bea.PostAsync("/api/constitutions/asked/requests", Json(new { role = "editor" }))).StatusCode);
        Assert.Equal("bea", (await Members(ada, "asked")).GetProperty("requests")[0].GetProperty("handle").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await ada.PostAsync("/api/constitutions/asked/requests/bea/approve", null)).StatusCode);
        // An editor reads the member list but not what is pending, and manages nothing.
        Assert.Equal(JsonValueKind.Null, (await Members(bea, "asked")).GetProperty("requests").ValueKind);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await bea.PostAsync("/api/constitutions/asked/invitations", Json(new { handle = "cy", role = "viewer" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await cy.GetAsync("/api/constitutions/asked/members")).StatusCode);
    }

    [Theory]
    [InlineData("invitations", """{"handle":"bea","role":"owner"}""", "role")]
    [InlineData("invitations", """{"handle":"bea","role":"99"}""", "role")]
    [InlineData("invitations", """{"handle":"","role":"viewer"}""", "handle")]
    [InlineData("invitations", """{"handle":"bea","role":"viewer""", "body")]
    [InlineData("requests", """{"role":"maintainer"}""", "role")]
    public async Task Malformed_posts_are_400s_that_name_the_field_and_change_nothing(string route, string body, string field)
    {
        var slug = $"bad-{Guid.NewGuid():N}"[..20];
        await Private(slug);
        var client = route == "requests" ? bea : ada;
        var response = await client.PostAsync($"/api/constitutions/{slug}/{route}", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
        var members = await Members(ada, slug);
        Assert.Equal(0, members.GetProperty("invitations").GetArrayLength() + members.GetProperty("requests").GetArrayLength());
    }

    [Fact]
    public async Task The_owner_hands_the_constitution_to_a_member_and_stays_on_as_maintainer()
    {
        await Private("handed");
        await ada.PostAsync("/api/constitutions/handed/invitations", Json(new { handle = "bea", role = "maintainer" }));
        await bea.PostAsync("/api/constitutions/handed/invitations/accept", null);

        Assert.Equal(HttpStatusCode.Forbidden, (await bea.PutAsync("/api/constitutions/handed/owner", Json(new { handle = "bea" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ada.PutAsync("/api/constitutions/handed/owner", Json(new { handle = "cy" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ada.PutAsync("/api/constitutions/handed/owner", Json(new { handle = "bea" }))).StatusCode);

        var members = await Members(bea, "handed");
        Assert.Equal("Bea", members.GetProperty("owner").GetString());
        Assert.Equal("ada", members.GetProperty("members")[0].GetProperty("handle").GetString());
        Assert.Equal("maintainer", members.GetProperty("members")[0].GetProperty("role").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await ada.PutAsync("/api/constitutions/handed/visibility", Json(new { visibility = "public" }))).StatusCode);
    }

    [Fact]
    public async Task Visibility_and_edit_restriction_are_the_owners_and_take_only_their_names()
    {
        await Private("vis");
        Assert.Equal(HttpStatusCode.BadRequest, (await ada.PutAsync("/api/constitutions/vis/visibility", Json(new { visibility = "99" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bea.PutAsync("/api/constitutions/vis/visibility", Json(new { visibility = "public" }))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ada.PutAsync("/api/constitutions/vis/visibility", Json(new { visibility = "public" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bea.PutAsync("/api/constitutions/vis/edits", Json(new { restricted = true }))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ada.PutAsync("/api/constitutions/vis/edits", Json(new { restricted = true }))).StatusCode);

        // Restricted: a signed-in non-member may no longer post a revision.
        var post = new HttpRequestMessage(HttpMethod.Post, "/api/constitutions/vis/revisions")
        {
            Content = Json(new { markdown = "# P\n\nMore.\n", summary = "more" }), Headers = { { "If-Match", "\"r1\"" } },
        };
        Assert.Equal(HttpStatusCode.Forbidden, (await bea.SendAsync(post)).StatusCode);
        Assert.True((await Members(bea, "vis")).GetProperty("editsRestricted").GetBoolean());
    }
}
