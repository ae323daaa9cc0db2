using System.Net;
using System.Net.Http.Headers;
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

    private static async Task<Guid> AnnotateAsync(HttpClient client, string slug, string section, string exact, string body)
    {
        var response = await client.PostAsJsonAsync($"/api/constitutions/{slug}/annotations", new { sectionId = section, exact, body });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task SaveRevisionAsync(HttpClient client, string slug, int basedOn, string markdown)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/constitutions/{slug}/revisions") { Content = JsonContent.Create(new { markdown, summary = "edit" }) };
        request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"r{basedOn}\""));
        Assert.Equal(HttpStatusCode.Created, (await client.SendAsync(request)).StatusCode);
    }

    private static async Task<string?> FieldOfAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("field").GetString();
    }

    [Fact]
    public async Task A_comment_is_edited_only_by_its_author_with_a_valid_new_text_and_its_history_is_readable_where_the_document_is()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "edited-notes");
        await ChatKit.CreateConstitutionAsync(server, "Ada", "edited-secret", visibility: "private");
        var section = await ChatKit.SectionIdAsync(server, "edited-notes", "Curiosity");
        var bob = await server.SignedInClientAsync("Bob");
        var ada = await server.SignedInClientAsync("Ada");
        var id = await AnnotateAsync(bob, "edited-notes", section, "good questions", "Which **ones**?");
        var comment = $"/api/annotations/{id}/comments/{id}";

        Assert.Equal("body", await FieldOfAsync(await bob.PatchAsJsonAsync(comment, new { body = "" })));
        Assert.Equal("body", await FieldOfAsync(await bob.PatchAsJsonAsync(comment, new { body = new string('x', 10_001) })));
        Assert.Equal("body", await FieldOfAsync(await bob.PatchAsJsonAsync(comment, new { body = "Which **ones**?" })));
        Assert.Equal("body", await FieldOfAsync(await bob.PatchAsJsonAsync(comment, new { body = "bell\u0007" })));
        Assert.Equal(HttpStatusCode.Forbidden, (await ada.PatchAsJsonAsync(comment, new { body = "The owner rewrites it." })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().PatchAsJsonAsync(comment, new { body = "Anyone?" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PatchAsJsonAsync($"/api/annotations/{id}/comments/{Guid.NewGuid()}", new { body = "x" })).StatusCode);
        var untouched = await bob.GetFromJsonAsync<JsonElement>(comment + "/history");
        Assert.Equal(1, untouched.GetProperty("versions").GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await bob.PatchAsJsonAsync(comment, new { body = "Which ones, and why?" })).StatusCode);
        var thread = await server.Client().GetFromJsonAsync<JsonElement>($"/api/annotations/{id}");
        var opening = thread.GetProperty("comments")[0];
        Assert.True(opening.GetProperty("edited").GetBoolean());
        Assert.Equal(2, opening.GetProperty("versions").GetInt32());
        var editedAt = opening.GetProperty("editedAt").GetDateTimeOffset();
        Assert.True(editedAt >= opening.GetProperty("created").GetDateTimeOffset());

        var history = await server.Client().GetFromJsonAsync<JsonElement>(comment + "/history");
        var versions = history.GetProperty("versions").EnumerateArray().ToArray();
        Assert.Equal([1, 2], versions.Select(v => v.GetProperty("number").GetInt32()));
        Assert.Equal(["Which **ones**?", "Which ones, and why?"], versions.Select(v => v.GetProperty("body").GetString()));
        Assert.All(versions, v => Assert.Equal("Bob", v.GetProperty("by").GetString()));
        Assert.Equal(editedAt, versions[1].GetProperty("at").GetDateTimeOffset());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/annotations/{id}/comments/{Guid.NewGuid()}/history")).StatusCode);

        // A private document's comment histories stay with its readers.
        var secretSection = await ChatKit.SectionIdAsync(server, "edited-secret", "Curiosity");
        var secret = await AnnotateAsync(ada, "edited-secret", secretSection, "good questions", "draft");
        Assert.Equal(HttpStatusCode.NoContent, (await ada.PatchAsJsonAsync($"/api/annotations/{secret}/comments/{secret}", new { body = "private" })).StatusCode);
        var secretHistory = $"/api/annotations/{secret}/comments/{secret}/history";
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync(secretHistory)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync(secretHistory)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PatchAsJsonAsync($"/api/annotations/{secret}/comments/{secret}", new { body = "mine now" })).StatusCode);
        Assert.Equal(2, (await ada.GetFromJsonAsync<JsonElement>(secretHistory)).GetProperty("versions").GetArrayLength());

        // A deleted comment's texts are gone from the history too.
        Assert.Equal(HttpStatusCode.NoContent, (await bob.DeleteAsync(comment)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync(comment + "/history")).StatusCode);
    }

    [Fact]
    public async Task The_list_of_a_revision_says_which_threads_were_reanchored_since_an_earlier_one_and_refuses_a_bad_since()
    {
        const string markdown = "# Kit\n\n## Honesty\n\nTell the truth.\n\n## Curiosity\n\nAsk good questions, then listen.\n";
        await ChatKit.CreateConstitutionAsync(server, "Ada", "moved-notes", markdown: markdown);
        await ChatKit.CreateConstitutionAsync(server, "Ada", "moved-secret", visibility: "private", markdown: markdown);
        var ada = await server.SignedInClientAsync("Ada");
        var curiosity = await ChatKit.SectionIdAsync(server, "moved-notes", "Curiosity");
        var lost = await AnnotateAsync(ada, "moved-notes", curiosity, "then listen", "Listen how?");
        var kept = await AnnotateAsync(ada, "moved-notes", curiosity, "good questions", "Which?");
        Assert.Empty((await ada.GetFromJsonAsync<JsonElement>("/api/constitutions/moved-notes/annotations")).GetProperty("reanchored").GetProperty("annotations").EnumerateArray());

        await SaveRevisionAsync(ada, "moved-notes", 1, markdown.Replace(", then listen.", ".", StringComparison.Ordinal));
        var anonymous = server.Client();
        var list = await anonymous.GetFromJsonAsync<JsonElement>("/api/constitutions/moved-notes/annotations");
        Assert.Equal(2, list.GetProperty("revision").GetInt32());
        Assert.Equal(1, list.GetProperty("reanchored").GetProperty("since").GetInt32());
        var moved = list.GetProperty("reanchored").GetProperty("annotations").EnumerateArray().ToArray();
        var orphan = Assert.Single(moved);
        Assert.Equal(lost, orphan.GetProperty("id").GetGuid());
        Assert.Equal("orphaned", orphan.GetProperty("change").GetString());
        Assert.Equal("then listen", orphan.GetProperty("before").GetProperty("exact").GetString());
        Assert.False(orphan.TryGetProperty("after", out _)); // an orphan is nowhere on r2 (nulls are left out)
        Assert.Equal($"/c/moved-notes/r/2?annotation={lost}", orphan.GetProperty("permalink").GetString());
        Assert.DoesNotContain(moved, m => m.GetProperty("id").GetGuid() == kept);
        var first = await anonymous.GetFromJsonAsync<JsonElement>("/api/constitutions/moved-notes/annotations?rev=1");
        Assert.False(first.GetProperty("reanchored").TryGetProperty("since", out _));
        Assert.Empty(first.GetProperty("reanchored").GetProperty("annotations").EnumerateArray());

        Assert.Equal("since", await FieldOfAsync(await anonymous.GetAsync("/api/constitutions/moved-notes/annotations?rev=2&since=2")));
        Assert.Equal("since", await FieldOfAsync(await anonymous.GetAsync("/api/constitutions/moved-notes/annotations?rev=2&since=0")));
        Assert.Equal(HttpStatusCode.BadRequest, (await anonymous.GetAsync("/api/constitutions/moved-notes/annotations?since=soon")).StatusCode);

        var secretSection = await ChatKit.SectionIdAsync(server, "moved-secret", "Curiosity");
        await AnnotateAsync(ada, "moved-secret", secretSection, "then listen", "private");
        await SaveRevisionAsync(ada, "moved-secret", 1, markdown.Replace(", then listen.", ".", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/api/constitutions/moved-secret/annotations?since=1")).StatusCode);
        var bob = await server.SignedInClientAsync("Bob");
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync("/api/constitutions/moved-secret/annotations?since=1")).StatusCode);
        Assert.Single((await ada.GetFromJsonAsync<JsonElement>("/api/constitutions/moved-secret/annotations?since=1"))
            .GetProperty("reanchored").GetProperty("annotations").EnumerateArray());
    }
}
