using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Chats;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Annotations;

/// <summary>The annotations API over real HTTP: bad input gets a 400 with the field and changes nothing; sign-in and
/// visibility are checked on the server.</summary>
public sealed class AnnotationsApiTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(AnnotationsApiTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<int> CountAsync(HttpClient client, string slug) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/constitutions/{slug}/annotations")).GetProperty("annotations").GetArrayLength();

    [Fact]
    public async Task Bad_annotations_are_refused_with_a_reason_and_nothing_is_stored()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "api-notes");
        var section = await ChatKit.SectionIdAsync(server, "api-notes", "Curiosity");
        var client = await server.SignedInClientAsync("Bob");

        async Task Refused(object body, string field)
        {
            var response = await client.PostAsJsonAsync("/api/constitutions/api-notes/annotations", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }

        await Refused(new { sectionId = "nope", exact = "good questions", body = "x" }, "sectionId");
        await Refused(new { sectionId = section, exact = "bad questions", body = "x" }, "exact");
        await Refused(new { sectionId = section, exact = "good questions", body = "  " }, "body");
        await Refused(new { sectionId = section, exact = "good questions", body = new string('x', 10_001) }, "body");
        await Refused(new { sectionId = section, exact = "good questions", body = "x", revision = 9 }, "revision");
        await Refused(new { sectionId = section, exact = "good questions", body = "x", kind = "finding" }, "finding");
        await Refused(new { sectionId = section, exact = "good questions", body = "x", kind = "rumour" }, "body");
        var wrongType = await client.PostAsync("/api/constitutions/api-notes/annotations", new StringContent("{}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.StatusCode);
        var broken = await client.PostAsync("/api/constitutions/api-notes/annotations", new StringContent("{\"body\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(0, await CountAsync(client, "api-notes"));

        var ok = await client.PostAsJsonAsync("/api/constitutions/api-notes/annotations", new { sectionId = section, exact = "good questions", body = "Which?" });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        var id = (await ok.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var status = await client.PostAsJsonAsync($"/api/annotations/{id}/status", new { status = "supported", reason = "x" });
        Assert.Equal(HttpStatusCode.BadRequest, status.StatusCode); // a comment has no status
        var reply = await client.PostAsJsonAsync($"/api/annotations/{id}/replies", new { body = "" });
        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        var listed = (await client.GetFromJsonAsync<JsonElement>("/api/constitutions/api-notes/annotations")).GetProperty("annotations")[0];
        Assert.Equal("comment", listed.GetProperty("kind").GetString());
        Assert.Equal("good questions", listed.GetProperty("anchor").GetProperty("exact").GetString());
        Assert.Single(listed.GetProperty("comments").EnumerateArray());
    }

    [Fact]
    public async Task Signed_out_people_cannot_annotate_and_private_annotations_do_not_leak()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "open-notes");
        await ChatKit.CreateConstitutionAsync(server, "Ada", "closed-notes", visibility: "private");
        var open = await ChatKit.SectionIdAsync(server, "open-notes", "Curiosity");
        var closed = await ChatKit.SectionIdAsync(server, "closed-notes", "Curiosity");
        var anonymous = server.Client();
        var signedOut = await anonymous.PostAsJsonAsync("/api/constitutions/open-notes/annotations", new { sectionId = open, exact = "good questions", body = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, signedOut.StatusCode);

        var ada = await server.SignedInClientAsync("Ada");
        var mine = await ada.PostAsJsonAsync("/api/constitutions/closed-notes/annotations", new { sectionId = closed, exact = "good questions", body = "private note" });
        Assert.Equal(HttpStatusCode.Created, mine.StatusCode);
        var id = (await mine.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var bob = await server.SignedInClientAsync("Bob");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync("/api/constitutions/closed-notes/annotations")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/annotations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PostAsJsonAsync($"/api/annotations/{id}/replies", new { body = "let me in" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/annotations/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ada.GetAsync($"/api/annotations/{id}")).StatusCode);
    }
}
