using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Tests.Chats;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Inbox;

/// <summary>The Atom feed over real HTTP, parsed as XML: stable ids, dates, absolute links, and nothing of a private
/// constitution without a member's token.</summary>
public sealed class AtomFeedTests : IAsyncLifetime
{
    private static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(AtomFeedTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<XDocument> FeedAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType?.MediaType);
        return XDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    private async Task<string> TokenAsync(string personId, params string[] scopes) =>
        (await server.Services.GetRequiredService<AccessTokens>().CreateAsync(personId, "feed", scopes, 30)).Secret;

    [Fact]
    public async Task A_public_feed_lists_revisions_findings_and_status_changes_with_stable_ids_dates_and_links()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "feed-public");
        var section = await ChatKit.SectionIdAsync(server, "feed-public", "Curiosity");
        var bob = await server.SignedInClientAsync("Bob");
        var created = await bob.PostAsJsonAsync("/api/constitutions/feed-public/annotations", new
        {
            sectionId = section, exact = "good questions", kind = "finding", body = "Models ask more.",
            finding = new { sectionIds = new[] { section }, variants = Array.Empty<string>(), behaviour = "asking", direction = "helps", strength = "anecdote" },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var finding = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var carol = await server.SignedInClientAsync("Carol");
        Assert.Equal(HttpStatusCode.NoContent, (await carol.PostAsJsonAsync($"/api/annotations/{finding}/status", new { status = "supported", reason = "Seen twice." })).StatusCode);

        var anonymous = server.Client();
        var feed = (await FeedAsync(anonymous, "/c/feed-public/feed.atom")).Root!;
        var row = (await server.Services.GetRequiredService<ConstitutionQueries>().BySlugAsync("feed-public"))!;
        Assert.Equal(Atom + "feed", feed.Name);
        Assert.Equal($"urn:uuid:{row.Id}", feed.Element(Atom + "id")!.Value);
        Assert.Equal("Constitution feed-public", feed.Element(Atom + "title")!.Value);
        Assert.Equal(new Uri(server.Address, "/c/feed-public/feed.atom").ToString(),
            feed.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "self").Attribute("href")!.Value);

        var entries = feed.Elements(Atom + "entry").ToList();
        Assert.Equal(["findingstatus", "finding", "revision"], entries.Select(e => e.Element(Atom + "category")!.Attribute("term")!.Value));
        Assert.Equal($"urn:uuid:{finding}", entries[1].Element(Atom + "id")!.Value);
        Assert.Equal("Finding asking: supported", entries[0].Element(Atom + "title")!.Value);
        Assert.Equal("supported: Seen twice.", entries[0].Element(Atom + "summary")!.Value);
        Assert.Equal("Bob", entries[1].Element(Atom + "author")!.Element(Atom + "name")!.Value);
        foreach (var entry in entries)
        {
            Assert.StartsWith("urn:uuid:", entry.Element(Atom + "id")!.Value);
            var updated = DateTimeOffset.Parse(entry.Element(Atom + "updated")!.Value);
            Assert.Equal(TimeSpan.Zero, updated.Offset);
            Assert.InRange(updated, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.True(Uri.TryCreate(entry.Element(Atom + "link")!.Attribute("href")!.Value, UriKind.Absolute, out var link));
            Assert.Equal(server.Address.Authority, link!.Authority);
        }
        Assert.EndsWith($"/c/feed-public?annotation={finding}", entries[1].Element(Atom + "link")!.Attribute("href")!.Value);

        // The same entries keep their ids from one request to the next.
        var again = (await FeedAsync(anonymous, "/c/feed-public/feed.atom")).Root!.Elements(Atom + "entry").Select(e => e.Element(Atom + "id")!.Value);
        Assert.Equal(entries.Select(e => e.Element(Atom + "id")!.Value), again);
    }

    [Fact]
    public async Task A_private_feed_answers_only_a_members_read_token_and_an_unlisted_one_anyone_with_the_link()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "feed-secret", visibility: "private",
            markdown: "# Secret plans\n\n## Plan\n\nThe hidden text.\n");
        await ChatKit.CreateConstitutionAsync(server, "Ada", "feed-unlisted", visibility: "unlisted");
        var anonymous = server.Client();

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/c/feed-secret/feed.atom")).StatusCode);
        await server.SignedInClientAsync("Bob"); // a token is a signed-in person's
        var bobs = await TokenAsync("local:bob", TokenScopes.Read);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/c/feed-secret/feed.atom?token={bobs}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/c/feed-secret/feed.atom?token={await TokenAsync("local:ada", TokenScopes.Chat)}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/c/feed-secret/feed.atom?token=chp_nothing")).StatusCode);
        var refused = await (await anonymous.GetAsync($"/c/feed-secret/feed.atom?token={bobs}")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("Secret", refused);
        Assert.DoesNotContain("hidden", refused);

        var owners = await FeedAsync(anonymous, $"/c/feed-secret/feed.atom?token={await TokenAsync("local:ada", TokenScopes.Read)}");
        Assert.Equal("Constitution feed-secret", owners.Root!.Element(Atom + "title")!.Value);
        Assert.Single(owners.Root.Elements(Atom + "entry"));

        var unlisted = await FeedAsync(anonymous, "/c/feed-unlisted/feed.atom");
        Assert.Single(unlisted.Root!.Elements(Atom + "entry"));
        Assert.DoesNotContain("feed-secret", unlisted.ToString());
    }
}
