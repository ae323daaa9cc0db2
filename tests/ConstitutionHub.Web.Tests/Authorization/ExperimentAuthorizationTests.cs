using System.Net;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Authorization;

/// <summary>
/// Every route of one experiment, requested role by role. The experiment runs two revisions of a private constitution
/// and was started by Eddie, an editor there, so "who started it" and "who manages the document" are different people.
/// Reading follows the constitution (viewer and up); steering it (pause, resume, cancel, retry, critiques) and its study
/// links belong to whoever started it; sharing it also to the document's maintainers and owner. Someone who cannot read
/// the constitution gets the same 404 as for an experiment that does not exist, whatever they ask: never a 403 that
/// tells them it is there. A route of an experiment the table does not name fails the test.
/// </summary>
public sealed class ExperimentAuthorizationTests
{
    private const string Slug = "experiment-matrix";

    /// <summary>What a route of one experiment asks of the person calling it.</summary>
    private enum Need
    {
        /// <summary>Anyone who can read every constitution the experiment runs.</summary>
        Read,
        /// <summary>The person who started the experiment.</summary>
        Starter,
        /// <summary>The person who started it, or someone who manages every constitution it runs (maintainer, owner, admin).</summary>
        Share,
        /// <summary>Whoever made the link (share and study links are revoked by their maker; here that is Eddie).</summary>
        LinkMaker,
    }

    /// <summary>Expected policy by "METHOD pattern"; bodies pass validation where a refusal must be for who calls.
    /// Pause comes before resume and cancel is last (the run is then over; later steering answers 400, not a refusal).</summary>
    private static readonly (string Key, Need Need, string? Body)[] Expected =
    [
        ("PAGE /experiments/{Id:guid}", Need.Read, null),
        ("PAGE /experiments/{Id:guid}/vote", Need.Read, null),
        ("GET /api/experiments/{id:guid}", Need.Read, null),
        ("GET /api/experiments/{id:guid}/outputs", Need.Read, null),
        ("GET /api/experiments/{id:guid}/ratings", Need.Read, null),
        ("GET /api/experiments/{id:guid}/charts/{chart}.{format}", Need.Read, null),
        ("GET /api/experiments/{id:guid}/export", Need.Read, null),
        ("GET /api/experiments/{id:guid}/rubric", Need.Read, null),
        ("GET /api/experiments/{id:guid}/critiques/export", Need.Read, null),
        ("GET /api/experiments/{id:guid}/votes/next", Need.Read, null),
        ("POST /api/experiments/{id:guid}/votes", Need.Read, """{"armA":"A","armB":"B","itemId":"q1","sample":0,"choice":"tie"}"""),
        // Writing the finding itself needs the comment role (AnnotationsApiTests); this run has no effects to write one from.
        ("POST /api/experiments/{id:guid}/findings", Need.Read, """{"sectionId":"none","variant":"x"}"""),
        ("POST /api/experiments/{id:guid}/outputs/{arm}/{sample:int}/{itemId}/chat", Need.Read, null),
        ("GET /api/experiments/{id:guid}/share-links/", Need.Share, null),
        ("POST /api/experiments/{id:guid}/share-links/", Need.Share, """{"mode":"snapshot"}"""),
        ("POST /api/experiments/{id:guid}/share-links/{linkId:guid}/revoke", Need.LinkMaker, null),
        ("GET /api/experiments/{id:guid}/study-links", Need.Starter, null),
        ("POST /api/experiments/{id:guid}/study-links", Need.Starter, """{"expires":"1h"}"""),
        ("POST /api/experiments/{id:guid}/study-links/{linkId:guid}/revoke", Need.LinkMaker, null),
        ("POST /api/experiments/{id:guid}/critiques", Need.Starter, "{}"),
        ("POST /api/experiments/{id:guid}/retry", Need.Starter, null),
        ("POST /api/experiments/{id:guid}/pause", Need.Starter, null),
        ("POST /api/experiments/{id:guid}/resume", Need.Starter, null),
        ("POST /api/experiments/{id:guid}/cancel", Need.Starter, null),
    ];

    [Fact]
    public async Task Every_route_of_an_experiment_answers_each_role_as_the_table_expects_and_hides_it_from_non_readers()
    {
        await using var server = await HubServer.StartAsync("experiment_authorization");
        var routes = AuthorizationMatrixTests.RoutesOf(server)
            .Where(r => r.Value.StartsWith("/experiments/{Id", StringComparison.Ordinal) || r.Value.StartsWith("/api/experiments/{id", StringComparison.Ordinal))
            .ToDictionary();
        var unknown = routes.Keys.Where(k => Expected.All(e => e.Key != k)).ToList();
        Assert.True(unknown.Count == 0, $"Experiment route without an expected policy: {string.Join(", ", unknown)}");

        var fixture = await SetUpAsync(server);
        var failures = new List<string>();
        foreach (var (key, need, body) in Expected)
        {
            Assert.True(routes.TryGetValue(key, out var pattern), $"The table names a route the app does not have: {key}");
            var method = key.Split(' ')[0];
            var path = Fill(pattern!, fixture);
            foreach (var caller in fixture.Callers)
            {
                var response = await AuthorizationMatrixTests.SendAsync(caller.Client, method, path, body);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                var who = $"{key} as {caller.Name}";
                if (status >= 500) { failures.Add($"{who}: {status}"); continue; }
                var allowed = Allows(need, caller);
                var refusal = Refusal(response, text, method == "PAGE");
                if (allowed && refusal is not null) failures.Add($"{who}: refused ({refusal}), should be allowed: {status} {AuthorizationMatrixTests.Cut(text)}");
                else if (!allowed && refusal is null) failures.Add($"{who}: allowed, should be refused: {status} {AuthorizationMatrixTests.Cut(text)}");
                // Hidden, not forbidden: a signed-in non-reader learns nothing, not even that the experiment exists.
                else if (!allowed && !caller.Reads && caller.SignedIn && refusal != "hidden")
                    failures.Add($"{who}: {status} tells a non-reader the experiment exists: {AuthorizationMatrixTests.Cut(text)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private sealed record Caller(string Name, HttpClient Client, bool SignedIn, bool Reads, bool Started, bool Manages);

    private static bool Allows(Need need, Caller caller) => need switch
    {
        Need.Read => caller.Reads,
        Need.Starter => caller.Started,
        Need.Share => caller.Started || caller.Manages,
        Need.LinkMaker => caller.Started,
        _ => false,
    };

    /// <summary>How a response refuses, or null: "signin" (401 or a redirect to sign in), "forbidden" (403), "hidden"
    /// (the 404 of a missing experiment or link, or, for a page, any 404).</summary>
    private static string? Refusal(HttpResponseMessage response, string text, bool page) => response.StatusCode switch
    {
        HttpStatusCode.Unauthorized => "signin",
        HttpStatusCode.Redirect or HttpStatusCode.Found when response.Headers.Location?.OriginalString.Contains("/signin", StringComparison.Ordinal) == true => "signin",
        HttpStatusCode.Forbidden => "forbidden",
        HttpStatusCode.NotFound when page || HiddenAnswers.Any(a => text.Contains(a, StringComparison.Ordinal)) => "hidden",
        _ => null,
    };

    private static readonly string[] HiddenAnswers = ["No such experiment", "No such share link", "No such study link"];

    private static string Fill(string pattern, Fixture fixture) => pattern
        .Replace("{Id:guid}", fixture.ExperimentId.ToString(), StringComparison.Ordinal).Replace("{id:guid}", fixture.ExperimentId.ToString(), StringComparison.Ordinal)
        .Replace("{linkId:guid}", (pattern.Contains("/share-links/", StringComparison.Ordinal) ? fixture.ShareLinkId : fixture.StudyLinkId).ToString(),
            StringComparison.Ordinal)
        .Replace("{chart}", "ratings", StringComparison.Ordinal).Replace("{format}", "svg", StringComparison.Ordinal)
        .Replace("{arm}", "A", StringComparison.Ordinal).Replace("{sample:int}", "0", StringComparison.Ordinal).Replace("{itemId}", "q1", StringComparison.Ordinal);

    private sealed record Fixture(Guid ExperimentId, Guid ShareLinkId, Guid StudyLinkId, IReadOnlyList<Caller> Callers);

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A private constitution of Ada's with two revisions and one member per role; Eddie (editor) starts an
    /// experiment over both revisions and makes a share link and a study link of it. Zed is signed in and nobody there.</summary>
    private static async Task<Fixture> SetUpAsync(HubServer server)
    {
        var ada = await server.SignedInClientAsync("Ada");
        var created = await ada.PostAsync("/api/constitutions", Json(
            $$"""{"slug":"{{Slug}}","title":"Matrix","summary":"","visibility":"private","markdown":"# Matrix\n\nText.\n"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var saved = new HttpRequestMessage(HttpMethod.Post, $"/api/constitutions/{Slug}/revisions")
        {
            Content = Json("""{"markdown":"# Matrix\n\nText, kindly.\n","summary":"kinder"}"""),
        };
        saved.Headers.TryAddWithoutValidation("If-Match", "\"r1\"");
        Assert.True((await ada.SendAsync(saved)).IsSuccessStatusCode);

        var callers = new List<Caller> { new("anonymous", server.Client(), SignedIn: false, Reads: false, Started: false, Manages: false) };
        callers.Add(new("zed", await server.SignedInClientAsync("Zed"), SignedIn: true, Reads: false, Started: false, Manages: false));
        foreach (var (name, client, role) in await AuthorizationMatrixTests.MembersAsync(server, new Actor("local:ada", "Ada"), Slug))
            callers.Add(new(name, client, SignedIn: true, Reads: true, Started: name == "eddie", Manages: role >= DocumentRole.Maintainer));
        callers.Add(new("owner", ada, SignedIn: true, Reads: true, Started: false, Manages: true));
        callers.Add(new("admin", await AuthorizationMatrixTests.AdminClientAsync(server), SignedIn: true, Reads: true, Started: false, Manages: true));

        var eddie = callers.Single(c => c.Name == "eddie").Client;
        var set = await eddie.PostAsync("/api/prompt-sets/import?name=Matrix&format=jsonl",
            new StringContent("{\"id\":\"q1\",\"prompt\":\"Hello\"}\n", Encoding.UTF8, "application/jsonl"));
        Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());
        var setId = JsonDocument.Parse(await set.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var experiment = await eddie.PostAsync("/api/experiments", Json(
            $$"""{"name":"Matrix run","promptSetId":"{{setId}}","arms":[{"slug":"{{Slug}}","revision":1},{"slug":"{{Slug}}","revision":2}]}"""));
        Assert.True(experiment.IsSuccessStatusCode, await experiment.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await experiment.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        return new Fixture(id, await LinkAsync(eddie, $"/api/experiments/{id}/share-links"), await LinkAsync(eddie, $"/api/experiments/{id}/study-links"),
            callers);
    }

    private static async Task<Guid> LinkAsync(HttpClient client, string path)
    {
        var response = await client.PostAsync(path, Json("{}"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }
}
