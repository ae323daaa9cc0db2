using System.Net;
using System.Reflection;
using System.Text;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Features.Accounts;
using ConstitutionHub.Web.Features.Chats;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace ConstitutionHub.Web.Tests.Authorization;

/// <summary>
/// Every route of the app's own route table, and every SignalR hub method, has an expected policy here. Routes about one
/// constitution are requested on a private one as anonymous, viewer, commenter, editor, maintainer, owner and site admin,
/// and each answer must match the table (read: viewer and up, comment: commenter and up, edit: editor and up, manage:
/// maintainer and up, owner: the owner and admins). A route or hub method the table does not name fails the test.
/// </summary>
public sealed class AuthorizationMatrixTests
{
    private const string Slug = "matrix-private";

    /// <summary>What a route asks of the person calling it.</summary>
    private enum Need
    {
        /// <summary>Not about one constitution (site pages, sign-in, the person's own tokens and lists, framework
        /// transport): requested once anonymously; must not fail with a 5xx.</summary>
        Elsewhere,
        /// <summary>Anyone signed in (invitations to answer, requests to join): anonymous is refused.</summary>
        SignedIn,
        Read,
        Comment,
        Edit,
        Manage,
        Owner,
    }

    private static readonly DocumentRole?[] Roles =
        [null, DocumentRole.Viewer, DocumentRole.Commenter, DocumentRole.Editor, DocumentRole.Maintainer, DocumentRole.Owner];

    /// <summary>The expected table, by "METHOD pattern" as the route table spells it (Razor pages answer GET and POST;
    /// they are requested with GET). Bodies are valid requests that change nothing or little, so that an allowed role gets
    /// past validation and a refused one is refused for who they are, not for what they sent.</summary>
    private static readonly Dictionary<string, (Need Need, string? Body)> Expected = new()
    {
        // Pages of one constitution: reading them is the check; their actions are checked again by the commands.
        ["PAGE /c/{Slug}"] = (Need.Read, null),
        ["PAGE /c/{Slug}/chats"] = (Need.Read, null),
        ["PAGE /c/{Slug}/chats/new"] = (Need.Read, null),
        ["PAGE /c/{Slug}/diff"] = (Need.Read, null),
        ["PAGE /c/{Slug}/edit"] = (Need.Read, null),
        ["PAGE /c/{Slug}/history"] = (Need.Read, null),
        ["PAGE /c/{Slug}/label/{Label}"] = (Need.Read, null),
        ["PAGE /c/{Slug}/members"] = (Need.Read, null),
        ["PAGE /c/{Slug}/prompt"] = (Need.Read, null),
        ["PAGE /c/{Slug}/r/{Rev:int}"] = (Need.Read, null),
        ["PAGE /c/{Slug}/research"] = (Need.Read, null),
        ["PAGE /c/{Slug}/settings"] = (Need.Read, null),
        ["PAGE /chats/{Id:guid}"] = (Need.Read, null),
        ["PAGE /chats/{ChatId:guid}/share"] = (Need.Read, null),
        ["GET /c/{slug}/research.json"] = (Need.Read, null),
        ["GET /c/{slug}/research.md"] = (Need.Read, null),
        ["GET /chats/{id:guid}/export.json"] = (Need.Read, null),
        ["GET /chats/{id:guid}/export.jsonl"] = (Need.Read, null),
        ["GET /chats/{id:guid}/export.md"] = (Need.Read, null),
        // The JSON API of one constitution.
        ["GET /api/constitutions/{slug}"] = (Need.Read, null),
        ["GET /api/constitutions/{slug}/annotations/"] = (Need.Read, null),
        ["GET /api/constitutions/{slug}/members"] = (Need.Read, null),
        ["GET /api/constitutions/{slug}/prompt"] = (Need.Read, null),
        ["GET /api/constitutions/{slug}/revisions"] = (Need.Read, null),
        ["GET /api/constitutions/{slug}/revisions/{number:int}"] = (Need.Read, null),
        ["GET /api/constitutions/{slug}/sections"] = (Need.Read, null),
        ["GET /api/constitutions/{slug}/stats"] = (Need.Read, null),
        ["POST /api/constitutions/{slug}/annotations/"] = (Need.Comment, """{"revision":99,"sectionId":"none","exact":"x","body":"x"}"""),
        ["POST /api/constitutions/{slug}/revisions"] = (Need.Edit, """{"markdown":"# Matrix\n\nText.\n","summary":"same"}"""),
        ["PUT /api/constitutions/{slug}/members/{handle}"] = (Need.Manage, """{"role":"viewer"}"""),
        ["DELETE /api/constitutions/{slug}/members/{handle}"] = (Need.Manage, null),
        ["POST /api/constitutions/{slug}/invitations"] = (Need.Manage, """{"handle":"zed","role":"viewer"}"""),
        ["DELETE /api/constitutions/{slug}/invitations/{handle}"] = (Need.Manage, null),
        ["POST /api/constitutions/{slug}/requests/{handle}/approve"] = (Need.Manage, null),
        ["POST /api/constitutions/{slug}/requests/{handle}/refuse"] = (Need.Manage, null),
        ["PUT /api/constitutions/{slug}/visibility"] = (Need.Owner, """{"visibility":"private"}"""),
        ["PUT /api/constitutions/{slug}/edits"] = (Need.Owner, """{"restricted":false}"""),
        ["PUT /api/constitutions/{slug}/owner"] = (Need.Owner, """{"handle":"zed"}"""),
        ["POST /api/constitutions/{slug}/invitations/accept"] = (Need.SignedIn, null),
        ["POST /api/constitutions/{slug}/invitations/decline"] = (Need.SignedIn, null),
        ["POST /api/constitutions/{slug}/requests"] = (Need.SignedIn, """{"role":"editor"}"""),
        // Not about one constitution, or about a resource that answers for itself: an annotation's status, evidence and
        // comments follow its author or a maintainer (AnnotationsApiTests), experiments check the constitutions they run,
        // role by role in ExperimentAuthorizationTests, prompt sets their owner, share links are their own authorization.
        ["PAGE /"] = (Need.Elsewhere, null), ["PAGE /chats"] = (Need.Elsewhere, null), ["PAGE /error"] = (Need.Elsewhere, null),
        ["PAGE /experiments"] = (Need.Elsewhere, null), ["PAGE /experiments/{Id:guid}"] = (Need.Elsewhere, null),
        ["PAGE /invitations"] = (Need.Elsewhere, null), ["PAGE /models"] = (Need.Elsewhere, null), ["PAGE /new"] = (Need.Elsewhere, null),
        ["PAGE /not-found"] = (Need.Elsewhere, null), ["PAGE /research"] = (Need.Elsewhere, null), ["PAGE /search"] = (Need.Elsewhere, null),
        ["PAGE /shares"] = (Need.Elsewhere, null), ["PAGE /signin"] = (Need.Elsewhere, null), ["PAGE /signout"] = (Need.Elsewhere, null),
        ["GET /admin/health"] = (Need.Elsewhere, null), ["GET /api/health"] = (Need.Elsewhere, null), ["GET /api/activity"] = (Need.Elsewhere, null),
        ["GET /api/constitutions/"] = (Need.Elsewhere, null), ["POST /api/constitutions/"] = (Need.Elsewhere, "{}"),
        ["GET /api/invitations"] = (Need.Elsewhere, null),
        // An annotation on the private constitution: read it, reply to it.
        ["GET /api/annotations/{id:guid}/"] = (Need.Read, null),
        ["POST /api/annotations/{id:guid}/replies"] = (Need.Comment, """{"body":"A reply."}"""),
        ["GET /api/annotations/{id:guid}/comments/{commentId:guid}/history"] = (Need.Elsewhere, null),
        ["DELETE /api/annotations/{id:guid}/comments/{commentId:guid}"] = (Need.Elsewhere, null),
        ["PATCH /api/annotations/{id:guid}/comments/{commentId:guid}"] = (Need.Elsewhere, "{}"),
        ["POST /api/annotations/{id:guid}/evidence"] = (Need.Elsewhere, "{}"), ["POST /api/annotations/{id:guid}/reconfirm"] = (Need.Elsewhere, "{}"),
        ["POST /api/annotations/{id:guid}/reopen"] = (Need.Elsewhere, "{}"),
        ["POST /api/annotations/{id:guid}/resolve"] = (Need.Elsewhere, "{}"), ["POST /api/annotations/{id:guid}/status"] = (Need.Elsewhere, "{}"),
        ["GET /api/experiments/{id:guid}"] = (Need.Elsewhere, null), ["GET /api/experiments/{id:guid}/export"] = (Need.Elsewhere, null),
        ["GET /api/experiments/{id:guid}/outputs"] = (Need.Elsewhere, null), ["GET /api/experiments/{id:guid}/ratings"] = (Need.Elsewhere, null),
        ["POST /api/experiments/"] = (Need.Elsewhere, "{}"), ["POST /api/experiments/estimate"] = (Need.Elsewhere, "{}"),
        ["POST /api/experiments/{id:guid}/cancel"] = (Need.Elsewhere, "{}"), ["POST /api/experiments/{id:guid}/pause"] = (Need.Elsewhere, "{}"),
        ["POST /api/experiments/{id:guid}/resume"] = (Need.Elsewhere, "{}"), ["POST /api/experiments/{id:guid}/retry"] = (Need.Elsewhere, "{}"),
        ["GET /api/prompt-sets/"] = (Need.Elsewhere, null), ["GET /api/prompt-sets/{id:guid}"] = (Need.Elsewhere, null),
        ["GET /api/prompt-sets/{id:guid}/export"] = (Need.Elsewhere, null), ["POST /api/prompt-sets/"] = (Need.Elsewhere, "{}"),
        ["POST /api/prompt-sets/import"] = (Need.Elsewhere, "{}"), ["POST /api/prompt-sets/{id:guid}/items"] = (Need.Elsewhere, "{}"),
        ["GET /api/tokens/"] = (Need.Elsewhere, null), ["POST /api/tokens/"] = (Need.Elsewhere, "{}"), ["DELETE /api/tokens/{id}"] = (Need.Elsewhere, null),
        ["GET /auth/signin"] = (Need.Elsewhere, null), ["POST /auth/local"] = (Need.Elsewhere, null), ["POST /auth/signout"] = (Need.Elsewhere, null),
        ["POST /auth/signout-everywhere"] = (Need.Elsewhere, null),
        ["GET /research.json"] = (Need.Elsewhere, null), ["GET /research.md"] = (Need.Elsewhere, null),
        ["GET /s/{file}"] = (Need.Elsewhere, null), ["GET /s/{token}/preview.png"] = (Need.Elsewhere, null), ["POST /s/{token}/copy"] = (Need.Elsewhere, null),
        ["POST /shares/create"] = (Need.Elsewhere, null), ["POST /shares/{id:guid}/revoke"] = (Need.Elsewhere, null),
        ["GET /v1/models"] = (Need.Elsewhere, null), ["POST /v1/chat/completions"] = (Need.Elsewhere, "{}"),
        ["GET /_framework/opaque-redirect"] = (Need.Elsewhere, null), ["GET,HEAD {**path:file}"] = (Need.Elsewhere, null),
        ["ANY /_blazor"] = (Need.Elsewhere, null), ["ANY /_blazor/disconnect/"] = (Need.Elsewhere, null),
        ["ANY /_blazor/initializers/"] = (Need.Elsewhere, null), ["ANY /_blazor/negotiate"] = (Need.Elsewhere, null),
        ["ANY /hubs/share"] = (Need.Elsewhere, null), ["ANY /hubs/share/negotiate"] = (Need.Elsewhere, null),
        // Watches, the inbox and the Atom feed: a person's own (InboxTests, AtomFeedTests check who sees what).
        ["GET /api/constitutions/{slug}/watch/"] = (Need.Elsewhere, null), ["POST /api/constitutions/{slug}/watch/"] = (Need.Elsewhere, "{}"),
        ["GET /c/{slug}/feed.atom"] = (Need.Elsewhere, null),
        ["GET /api/inbox/"] = (Need.Elsewhere, null), ["GET /api/inbox/count"] = (Need.Elsewhere, null), ["POST /api/inbox/read"] = (Need.Elsewhere, "{}"),
        ["GET /api/inbox/mail"] = (Need.Elsewhere, null), ["PUT /api/inbox/mail"] = (Need.Elsewhere, "{}"),
        ["GET /inbox/unsubscribe"] = (Need.Elsewhere, null), ["POST /inbox/unsubscribe"] = (Need.Elsewhere, null), ["PAGE /inbox"] = (Need.Elsewhere, null),
        // Blind votes and study links follow the experiment (VotesApiTests); a study token is its own authorization.
        ["GET /api/experiments/{id:guid}/votes/next"] = (Need.Elsewhere, null), ["POST /api/experiments/{id:guid}/votes"] = (Need.Elsewhere, "{}"),
        ["GET /api/experiments/{id:guid}/study-links"] = (Need.Elsewhere, null), ["POST /api/experiments/{id:guid}/study-links"] = (Need.Elsewhere, "{}"),
        ["POST /api/experiments/{id:guid}/study-links/{linkId:guid}/revoke"] = (Need.Elsewhere, null),
        ["POST /api/experiments/{id:guid}/findings"] = (Need.Elsewhere, "{}"),
        // Public links to an experiment: its owner or a maintainer of every constitution it runs (ExperimentShareTests).
        ["GET /api/experiments/{id:guid}/share-links/"] = (Need.Elsewhere, null), ["POST /api/experiments/{id:guid}/share-links/"] = (Need.Elsewhere, "{}"),
        ["POST /api/experiments/{id:guid}/share-links/{linkId:guid}/revoke"] = (Need.Elsewhere, null),
        ["POST /api/experiments/{id:guid}/outputs/{arm}/{sample:int}/{itemId}/chat"] = (Need.Elsewhere, null),
        ["GET /api/experiments/{id:guid}/charts/{chart}.{format}"] = (Need.Elsewhere, null),
        ["GET /api/experiments/{id:guid}/rubric"] = (Need.Elsewhere, null),
        ["POST /api/experiments/{id:guid}/critiques"] = (Need.Elsewhere, "{}"),
        ["GET /api/experiments/{id:guid}/critiques/export"] = (Need.Elsewhere, null),
        ["GET /study/{token}"] = (Need.Elsewhere, null), ["POST /study/{token}/votes"] = (Need.Elsewhere, "{}"),
        ["PAGE /experiments/{Id:guid}/vote"] = (Need.Elsewhere, null), ["PAGE /study/{Token}/vote"] = (Need.Elsewhere, null),
        // Trained models: registering follows the export's experiment (its owner or a site admin), correcting,
        // withdrawing and download links the model's managers, a download token is its own authorization (TrainedModelsTests).
        ["GET /api/trained-models/"] = (Need.Elsewhere, null), ["POST /api/trained-models/"] = (Need.Elsewhere, "{}"),
        ["GET /api/trained-models/{id:guid}"] = (Need.Elsewhere, null),
        ["PATCH /api/trained-models/{id:guid}"] = (Need.Elsewhere, "{}"), ["POST /api/trained-models/{id:guid}/withdraw"] = (Need.Elsewhere, "{}"),
        ["GET /api/trained-models/{id:guid}/download-links"] = (Need.Elsewhere, null),
        ["POST /api/trained-models/{id:guid}/download-links"] = (Need.Elsewhere, "{}"),
        ["POST /api/trained-models/{id:guid}/download-links/{linkId:guid}/revoke"] = (Need.Elsewhere, null),
        ["GET /api/training-exports/{exportId}"] = (Need.Elsewhere, null), ["GET /models/download/{token}"] = (Need.Elsewhere, null),
        ["GET /models/download/{token}.zip"] = (Need.Elsewhere, null),
        ["PAGE /models/trained/{Id:guid}"] = (Need.Elsewhere, null),
        // A person's own tokens and sessions (AccessTokensPageTests, SessionsPageTests).
        ["PAGE /account/tokens"] = (Need.Elsewhere, null), ["PAGE /account/sessions"] = (Need.Elsewhere, null),
        // Hub methods: a share link's token is the authorization there (ShareLinks checks it is live and its chat readable).
        ["HUB ShareHub.Join"] = (Need.Elsewhere, null),
    };

    [Fact]
    public async Task Every_route_and_hub_method_answers_each_role_on_a_private_constitution_as_the_table_expects()
    {
        var model = new ScriptedChatModel("matrix-model");
        await using var server = await HubServer.StartAsync("authorization_matrix", configure: new ScriptedModelCatalog(model).Register);
        var routes = RoutesOf(server);
        var unknown = routes.Keys.Concat(HubMethods()).Where(k => !Expected.ContainsKey(k)).ToList();
        Assert.True(unknown.Count == 0, $"New endpoint without an expected policy: {string.Join(", ", unknown)}");

        var fixture = await SetUpAsync(server);
        var failures = new List<string>();
        foreach (var (key, pattern) in routes.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            var (need, body) = Expected[key];
            var method = key.Split(' ')[0];
            var path = Fill(pattern, pattern.StartsWith("/api/annotations/", StringComparison.Ordinal) ? fixture.AnnotationId : fixture.ChatId);
            foreach (var (name, client, role) in fixture.Callers)
            {
                if (need == Need.Elsewhere && role is not null) continue;
                var response = await SendAsync(client, method, path, body);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                if (status >= 500) { failures.Add($"{key} as {name}: {status}"); continue; }
                if (need == Need.Elsewhere) continue;
                var refused = Refused(response, text, method == "PAGE");
                var allowed = Allows(need, role, name == "admin");
                if (refused == allowed) failures.Add($"{key} as {name}: {status} ({(allowed ? "should be allowed" : "should be refused")}) {Cut(text)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private static bool Allows(Need need, DocumentRole? role, bool admin) => need switch
    {
        Need.SignedIn => role is not null,
        Need.Read => role >= DocumentRole.Viewer,
        Need.Comment => role >= DocumentRole.Commenter,
        Need.Edit => role >= DocumentRole.Editor,
        Need.Manage => role >= DocumentRole.Maintainer,
        Need.Owner => role == DocumentRole.Owner || admin,
        _ => true,
    };

    /// <summary>Refused: 401, 403, a redirect to sign in, or a 404 that hides the constitution (every page's 404 does;
    /// the API names what is missing, and a missing handle or request is not a refusal).</summary>
    private static bool Refused(HttpResponseMessage response, string text, bool page) => response.StatusCode switch
    {
        HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => true,
        HttpStatusCode.Redirect or HttpStatusCode.Found => response.Headers.Location?.OriginalString.Contains("/signin", StringComparison.Ordinal) == true,
        HttpStatusCode.NotFound => page || response.Content.Headers.ContentType?.MediaType == "text/html"
            || text.Contains("No such constitution", StringComparison.Ordinal) || text.Contains("No such chat", StringComparison.Ordinal),
        _ => false,
    };

    internal static string Cut(string text) => text.Length > 160 ? text[..160] : text;

    internal static Dictionary<string, string> RoutesOf(HubServer server) => server.Services.GetRequiredService<EndpointDataSource>().Endpoints
        .OfType<RouteEndpoint>()
        // Fingerprinted static files carry no data of anyone's.
        .Where(e => !e.Metadata.Any(m => m.GetType().Name == "StaticAssetDescriptor"))
        .GroupBy(Key).ToDictionary(g => g.Key, g => g.First().RoutePattern.RawText ?? "");

    private static string Key(RouteEndpoint e)
    {
        var methods = e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [];
        var verb = methods.Count == 0 ? "ANY"
            : e.Metadata.Any(m => m is Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata) ? "PAGE"
            : string.Join(",", methods);
        return $"{verb} {e.RoutePattern.RawText}";
    }

    private static IEnumerable<string> HubMethods() => typeof(HubApp).Assembly.GetTypes()
        .Where(t => typeof(Hub).IsAssignableFrom(t) && !t.IsAbstract)
        .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !m.IsSpecialName && m.GetBaseDefinition().DeclaringType == t)
            .Select(m => $"HUB {t.Name}.{m.Name}"));

    /// <summary>A concrete address for a pattern: the private constitution, revision 1, its label, its chat or
    /// annotation, Zed's handle.</summary>
    private static string Fill(string pattern, Guid chatId) => (pattern.EndsWith("/diff", StringComparison.Ordinal) ? pattern + "?from=1&to=1" : pattern)
        .Replace("{Slug}", Slug, StringComparison.Ordinal).Replace("{slug}", Slug, StringComparison.Ordinal)
        .Replace("{Rev:int}", "1", StringComparison.Ordinal).Replace("{number:int}", "1", StringComparison.Ordinal)
        .Replace("{Label}", "draft", StringComparison.Ordinal).Replace("{handle}", "zed", StringComparison.Ordinal)
        .Replace("{Id:guid}", chatId.ToString(), StringComparison.Ordinal).Replace("{ChatId:guid}", chatId.ToString(), StringComparison.Ordinal)
        .Replace("{id:guid}", chatId.ToString(), StringComparison.Ordinal)
        .Replace("{commentId:guid}", Guid.Empty.ToString(), StringComparison.Ordinal).Replace("{linkId:guid}", Guid.Empty.ToString(), StringComparison.Ordinal)
        .Replace("{exportId}", "x", StringComparison.Ordinal)
        .Replace("{**path:file}", "missing.txt", StringComparison.Ordinal)
        .Replace("{id}", "x", StringComparison.Ordinal).Replace("{token}", "x", StringComparison.Ordinal).Replace("{file}", "x", StringComparison.Ordinal);

    internal static Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string path, string? body)
    {
        var request = new HttpRequestMessage(method is "PAGE" ? HttpMethod.Get : new HttpMethod(method.Split(',')[0]), path);
        if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent(body ?? "{}", Encoding.UTF8, "application/json");
        request.Headers.TryAddWithoutValidation("If-Match", "\"r1\"");
        return client.SendAsync(request);
    }

    private sealed record Fixture(Guid ChatId, Guid AnnotationId, IReadOnlyList<(string Name, HttpClient Client, DocumentRole? Role)> Callers);

    /// <summary>A private constitution owned by Ada with one member per role, a label and a chat; Zed exists and is nobody there.</summary>
    private static async Task<Fixture> SetUpAsync(HubServer server)
    {
        var ada = await server.SignedInClientAsync("Ada");
        var created = await ada.PostAsync("/api/constitutions", new StringContent(
            $$"""{"slug":"{{Slug}}","title":"Matrix","summary":"","visibility":"private","markdown":"# Matrix\n\nText.\n"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await server.SignedInClientAsync("Zed");
        var owner = new Actor("local:ada", "Ada");
        var callers = new List<(string, HttpClient, DocumentRole?)> { ("anonymous", server.Client(), null) };
        foreach (var (name, client, role) in await MembersAsync(server, owner, Slug)) callers.Add((name, client, role));
        callers.Add(("owner", ada, DocumentRole.Owner));
        callers.Add(("admin", await AdminClientAsync(server), DocumentRole.Owner));

        await server.Services.GetRequiredService<ConstitutionCommands>().MoveLabelAsync(owner, Slug, "draft", 1, Guid.NewGuid());
        var runner = server.Services.GetRequiredService<ChatRunner>();
        var chat = await server.Services.GetRequiredService<ChatCommands>().StartAsync(owner, new StartChat(Slug, 1, new Dictionary<string, string>(),
            ModelRecords.From(runner.Catalog.Models[0]), new SamplingForm().ToRecord()), Guid.NewGuid());
        var queries = server.Services.GetRequiredService<ConstitutionQueries>();
        var sections = await queries.RevisionAsync((await queries.BySlugAsync(Slug))!.Id, 1);
        var annotated = await ada.PostAsync($"/api/constitutions/{Slug}/annotations", new StringContent(
            $$"""{"sectionId":"{{sections!.Sections[0].Id}}","exact":"Text.","body":"A note."}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, annotated.StatusCode);
        var annotationId = System.Text.Json.JsonDocument.Parse(await annotated.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        return new Fixture(chat.Id, annotationId, callers);
    }

    /// <summary>One signed-in member per role below the owner, invited by <paramref name="owner"/>: Vic (viewer), Cora
    /// (commenter), Eddie (editor), Mae (maintainer), each named in lower case.</summary>
    internal static async Task<List<(string Name, HttpClient Client, DocumentRole Role)>> MembersAsync(HubServer server, Actor owner, string slug)
    {
        var members = server.Services.GetRequiredService<MembershipCommands>();
        var joined = new List<(string, HttpClient, DocumentRole)>();
        foreach (var (name, role) in new[] { ("Vic", DocumentRole.Viewer), ("Cora", DocumentRole.Commenter), ("Eddie", DocumentRole.Editor),
                     ("Mae", DocumentRole.Maintainer) })
        {
            var client = await server.SignedInClientAsync(name);
            await members.InviteAsync(owner, slug, name.ToLowerInvariant(), role);
            await members.AcceptAsync(new Actor($"local:{name.ToLowerInvariant()}", name), slug);
            joined.Add((name.ToLowerInvariant(), client, role));
        }
        return joined;
    }

    /// <summary>Site admins come from an identity provider's claim; here the session and cookie are made as sign-in makes them.</summary>
    internal static async Task<HttpClient> AdminClientAsync(HubServer server)
    {
        var person = await server.Services.GetRequiredService<PeopleDirectory>().SignedInAsync(new SignInClaims("https://idp.example", "root", "Root"));
        var (key, _) = await server.Services.GetRequiredService<SignInSessions>().StartAsync(person.Id, isAdmin: true, "matrix");
        var principal = HubSignIn.Principal(person.Id, person.DisplayName, isAdmin: true, key, "oidc");
        var options = server.Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(CookieAuthenticationDefaults.AuthenticationScheme);
        var cookie = options.TicketDataFormat.Protect(new AuthenticationTicket(principal, CookieAuthenticationDefaults.AuthenticationScheme));
        var client = server.Client(cookies: false);
        client.DefaultRequestHeaders.Add("Cookie", $"{options.Cookie.Name}={cookie}");
        return client;
    }
}
