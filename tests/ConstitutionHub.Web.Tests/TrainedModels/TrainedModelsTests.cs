using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AngleSharp.Html.Parser;
using ConstitutionHub.Web.Infrastructure;
using ConstitutionHub.Web.Tests.Experiments;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.TrainedModels;

/// <summary>
/// Registering a model trained from an export, over real HTTP on the app with the real catalog scanning a models
/// folder that holds a copy of the demo model: lineage on the models page and the card, the download archive against
/// the folder's files, revocation, bad input and who may do what.
/// </summary>
public sealed class TrainedModelsTests : IAsyncLifetime
{
    private const string Folder = "demo-qwen2";
    private readonly FakeTimeProvider clock = new(DateTimeOffset.UtcNow);
    private string models = null!;
    private HubServer server = null!;

    public async Task InitializeAsync()
    {
        var root = HubPaths.RepositoryRoot() ?? throw new InvalidOperationException("Run the tests from a checkout.");
        models = Directory.CreateTempSubdirectory("hub-trained-").FullName;
        CopyFolder(Path.Combine(root, "models", Folder), Path.Combine(models, Folder));
        // A file no check reads: it stays out of the download.
        File.WriteAllText(Path.Combine(models, Folder, "notes.txt"), "Not part of the model.");
        var settings = new Dictionary<string, string?>(VotingExperiment.Settings) { ["Inference:ModelsPath"] = models };
        server = await HubServer.StartAsync(nameof(TrainedModelsTests), settings: settings,
            configure: builder => builder.Services.AddSingleton<TimeProvider>(clock));
    }

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(models, recursive: true);
    }

    /// <summary>An experiment of Ada's with recorded outputs and its SFT export downloaded: the export's id.</summary>
    private async Task<(HttpClient Ada, Guid Experiment, string ExportId)> ExportedAsync(string slug)
    {
        var ada = await server.SignedInClientAsync("Ada");
        var experiment = await VotingExperiment.CreateAsync(server, ada, slug, items: 2);
        var response = await ada.GetAsync($"/api/experiments/{experiment}/export?format=sft-openai");
        response.EnsureSuccessStatusCode();
        var file = await response.Content.ReadAsByteArrayAsync();
        var exportId = Assert.Single(response.Headers.GetValues("X-Export-Id"));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), exportId);
        return (ada, experiment, exportId);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task A_registered_model_shows_its_lineage_and_card_and_its_download_link_sends_the_folder_until_revoked()
    {
        var (ada, experiment, exportId) = await ExportedAsync("trained-lineage");
        var export = await ReadAsync(await ada.GetAsync($"/api/training-exports/{exportId}"), HttpStatusCode.OK);
        Assert.Equal(4, export.GetProperty("records").GetInt32());
        Assert.Equal(new[] { "A", "B" }, export.GetProperty("arms").EnumerateArray().Select(a => a.GetProperty("letter").GetString()));
        Assert.All(export.GetProperty("arms").EnumerateArray(), a => Assert.Equal(1, a.GetProperty("revision").GetInt32()));

        var registered = await ReadAsync(await ada.PostAsync("/api/trained-models", VotingExperiment.Json(new
        {
            folder = Folder, name = "Blind-test SFT", baseModel = "demo-qwen2 (bundled)", exportId, experimentId = experiment,
            description = "Fine-tuned **briefly** on the export.\n\n<script>alert(1)</script>",
        })), HttpStatusCode.Created);
        var id = registered.GetProperty("id").GetGuid();
        var lineage = registered.GetProperty("lineage");
        Assert.Equal(exportId, lineage.GetProperty("export").GetProperty("id").GetString());
        Assert.Equal("Blind test", lineage.GetProperty("experiment").GetProperty("name").GetString());
        Assert.Equal("/c/trained-lineage/r/1", Assert.Single(lineage.GetProperty("revisions").EnumerateArray()).GetProperty("url").GetString());

        var weights = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(models, Folder, "onnx", "model.onnx"))));
        var parser = new HtmlParser();
        var page = parser.ParseDocument(await server.Client().GetStringAsync("/models"));
        var row = page.QuerySelector($"tr[data-trained-model='{id}']") ?? throw new Xunit.Sdk.XunitException("Not on the models page:\n" + page.Body?.InnerHtml);
        Assert.Equal("Blind test", row.QuerySelector("[data-testid=lineage-experiment]")?.TextContent);
        Assert.Equal($"/api/training-exports/{exportId}", row.QuerySelector("[data-testid=lineage-export]")?.GetAttribute("href"));

        var card = parser.ParseDocument(await ada.GetStringAsync($"/models/trained/{id}"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await ada.GetAsync($"/models/trained/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal("Blind-test SFT", card.QuerySelector("[data-testid=model-name]")?.TextContent);
        Assert.Equal(weights, card.QuerySelector("[data-testid=card-sha256]")?.TextContent);
        Assert.Equal("qwen2", card.QuerySelector("[data-testid=card-architecture]")?.TextContent);
        Assert.NotEqual("0", card.QuerySelector("[data-testid=card-parameters]")?.TextContent);
        Assert.Equal($"/experiments/{experiment}", card.QuerySelector("[data-testid=lineage-experiment]")?.GetAttribute("href"));
        Assert.Equal("/c/trained-lineage/r/1", card.QuerySelector("[data-testid=lineage-revision]")?.GetAttribute("href"));
        var description = card.QuerySelector("[data-testid=card-description]")!;
        Assert.Equal("briefly", description.QuerySelector("strong")?.TextContent);
        Assert.Null(description.QuerySelector("script"));
        Assert.Contains($"\"model\": \"{Folder}\"", card.QuerySelector("[data-testid=card-usage]")?.TextContent, StringComparison.Ordinal);
        Assert.NotNull(card.QuerySelector("[data-testid=download-links]"));
        // A stranger reads the card but gets no links to manage.
        var stranger = parser.ParseDocument(await server.Client().GetStringAsync($"/models/trained/{id}"));
        Assert.Null(stranger.QuerySelector("[data-testid=download-links]"));
        Assert.NotNull(stranger.QuerySelector("[data-testid=download-ask]"));

        var created = await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/download-links", VotingExperiment.Json(new { expires = "7d" })),
            HttpStatusCode.Created);
        var url = new Uri(created.GetProperty("url").GetString()!);
        var linkId = created.GetProperty("link").GetProperty("id").GetGuid();

        var anonymous = server.Client();
        Dictionary<string, string> tarEntries;
        using (var download = await anonymous.GetAsync(url.PathAndQuery, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("application/x-tar", download.Content.Headers.ContentType?.MediaType);
            var archived = new Dictionary<string, string>(StringComparer.Ordinal);
            await using var tar = new TarReader(await download.Content.ReadAsStreamAsync());
            while (await tar.GetNextEntryAsync() is { } entry)
            {
                Assert.Equal(TarEntryType.RegularFile, entry.EntryType);
                archived[entry.Name] = Convert.ToHexStringLower(await SHA256.HashDataAsync(entry.DataStream!));
            }
            var folder = Path.Combine(models, Folder);
            var expected = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("notes.txt", StringComparison.Ordinal)).ToDictionary(
                f => $"{Folder}/{Path.GetRelativePath(folder, f).Replace('\\', '/')}", f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))));
            Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), archived.OrderBy(e => e.Key, StringComparer.Ordinal));
            tarEntries = archived;
        }
        // Beside the tar, a zip of the same entries under the same names.
        var zipUrl = new Uri(created.GetProperty("zipUrl").GetString()!);
        Assert.Equal(url.AbsolutePath + ".zip", zipUrl.AbsolutePath);
        using (var download = await anonymous.GetAsync(zipUrl.PathAndQuery, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("application/zip", download.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
            Assert.Equal($"{Folder}.zip", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName);
            // A zip is read from its end: the streamed body is taken whole first.
            using var received = new MemoryStream();
            await (await download.Content.ReadAsStreamAsync()).CopyToAsync(received);
            received.Position = 0;
            var zipped = new Dictionary<string, string>(StringComparer.Ordinal);
            await using var zip = await ZipArchive.CreateAsync(received, ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null);
            foreach (var entry in zip.Entries)
            {
                await using var data = await entry.OpenAsync();
                zipped[entry.FullName] = Convert.ToHexStringLower(await SHA256.HashDataAsync(data));
            }
            Assert.Equal(tarEntries.OrderBy(e => e.Key, StringComparer.Ordinal), zipped.OrderBy(e => e.Key, StringComparer.Ordinal));
        }

        await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/download-links/{linkId}/revoke", null), HttpStatusCode.NoContent);
        var revoked = await anonymous.GetAsync(url.PathAndQuery);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync(zipUrl.PathAndQuery)).StatusCode);
        var unknown = await anonymous.GetAsync("/models/download/" + new string('A', 43));
        var malformed = await anonymous.GetAsync("/models/download/not-a-token");
        Assert.All(new[] { revoked, unknown, malformed }, r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        var body = await revoked.Content.ReadAsStringAsync();
        Assert.Equal(body, await unknown.Content.ReadAsStringAsync());
        Assert.Equal(body, await malformed.Content.ReadAsStringAsync());
        var links = await ReadAsync(await ada.GetAsync($"/api/trained-models/{id}/download-links"), HttpStatusCode.OK);
        Assert.Equal("revoked", Assert.Single(links.EnumerateArray()).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Bad_registrations_answer_400_with_the_reason_and_only_the_experiments_owner_registers_and_manages_links()
    {
        var (ada, experiment, exportId) = await ExportedAsync("trained-checks");
        object Body(string? folder = Folder, string? export = null, Guid? experimentId = null, string? baseModel = "base", string description = "") =>
            new { folder, baseModel, exportId = export ?? exportId, experimentId, description };

        async Task Refused(object body, string field)
        {
            var problem = await ReadAsync(await ada.PostAsync("/api/trained-models", VotingExperiment.Json(body)), HttpStatusCode.BadRequest);
            Assert.Equal(field, problem.GetProperty("field").GetString());
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        }
        await Refused(Body(folder: "no-such-model"), "folder");
        await Refused(Body(folder: "../models"), "folder");
        await Refused(Body(export: "not-a-hash"), "exportId");
        await Refused(Body(export: new string('0', 64)), "exportId");
        await Refused(Body(experimentId: Guid.NewGuid()), "experimentId");
        await Refused(Body(baseModel: " "), "baseModel");
        await Refused(Body(description: new string('x', 20_001)), "description");
        var notJson = await ada.PostAsync("/api/trained-models", new StringContent("folder=demo", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Empty(await server.Client().GetFromJsonAsync<JsonElement[]>("/api/trained-models") ?? []);

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().PostAsync("/api/trained-models", VotingExperiment.Json(Body()))).StatusCode);
        var bob = await server.SignedInClientAsync("Bob");
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync("/api/trained-models", VotingExperiment.Json(Body()))).StatusCode);

        var id = (await ReadAsync(await ada.PostAsync("/api/trained-models", VotingExperiment.Json(Body(experimentId: experiment))), HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        await Refused(Body(), "folder"); // the same weights, registered already

        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync($"/api/trained-models/{id}/download-links", VotingExperiment.Json(new { expires = "1d" }))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync($"/api/trained-models/{id}/download-links")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Client().GetAsync($"/api/trained-models/{id}/download-links")).StatusCode);
        var badExpiry = await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/download-links", VotingExperiment.Json(new { expires = "1y" })),
            HttpStatusCode.BadRequest);
        Assert.Equal("expires", badExpiry.GetProperty("field").GetString());
        var link = await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/download-links", VotingExperiment.Json(new { expires = "never" })),
            HttpStatusCode.Created);
        var linkId = link.GetProperty("link").GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync($"/api/trained-models/{id}/download-links/{linkId}/revoke", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync(new Uri(link.GetProperty("url").GetString()!).PathAndQuery,
            HttpCompletionOption.ResponseHeadersRead)).StatusCode);

        // An expired link answers as an unknown one.
        var hour = await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/download-links", VotingExperiment.Json(new { expires = "1h" })),
            HttpStatusCode.Created);
        var path = new Uri(hour.GetProperty("url").GetString()!).PathAndQuery;
        using (var fresh = await server.Client().GetAsync(path, HttpCompletionOption.ResponseHeadersRead)) Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        clock.Advance(TimeSpan.FromHours(2));
        var expired = await server.Client().GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Equal(await (await server.Client().GetAsync("/models/download/" + new string('B', 43))).Content.ReadAsStringAsync(),
            await expired.Content.ReadAsStringAsync());
        // Signed in again: two hours may be past a session's idle limit.
        var again = await server.SignedInClientAsync("Ada");
        var states = await ReadAsync(await again.GetAsync($"/api/trained-models/{id}/download-links"), HttpStatusCode.OK);
        // Both made at the same (held) time: their order is not the point.
        Assert.Equal(new[] { "active", "expired" }, states.EnumerateArray().Select(l => l.GetProperty("state").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Its_managers_correct_a_registration_against_the_version_they_read_and_withdrawing_it_ends_its_downloads()
    {
        var (ada, _, exportId) = await ExportedAsync("trained-withdraw");
        var id = (await ReadAsync(await ada.PostAsync("/api/trained-models", VotingExperiment.Json(new
        {
            folder = Folder, name = "First name", baseModel = "base", exportId, description = "One epoch.",
        })), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        Task<HttpResponseMessage> Patch(HttpClient client, object body) => client.PatchAsync($"/api/trained-models/{id}", VotingExperiment.Json(body));

        // Bad words are refused with the field, by the same checks as registering, and change nothing.
        async Task Refused(object body, string field)
        {
            var problem = await ReadAsync(await Patch(ada, body), HttpStatusCode.BadRequest);
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
        await Refused(new { name = new string('n', 201), baseModel = "base" }, "name");
        await Refused(new { baseModel = " " }, "baseModel");
        await Refused(new { baseModel = "base", description = new string('x', 20_001) }, "description");
        Assert.Equal(HttpStatusCode.BadRequest, (await ada.PatchAsync($"/api/trained-models/{id}",
            new StringContent("name=x", Encoding.UTF8, "application/x-www-form-urlencoded"))).StatusCode);
        var bob = await server.SignedInClientAsync("Bob");
        Assert.Equal(HttpStatusCode.Forbidden, (await Patch(bob, new { baseModel = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Patch(server.Client(), new { baseModel = "mine" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await ada.PatchAsync($"/api/trained-models/{Guid.NewGuid()}",
            VotingExperiment.Json(new { baseModel = "base" }))).StatusCode);
        var unchanged = await ReadAsync(await server.Client().GetAsync($"/api/trained-models/{id}"), HttpStatusCode.OK);
        Assert.Equal(("First name", "base", 1L), (unchanged.GetProperty("name").GetString(), unchanged.GetProperty("baseModel").GetString(),
            unchanged.GetProperty("version").GetInt64()));

        var changed = await ReadAsync(await Patch(ada, new { name = "Second name", baseModel = "demo-qwen2", description = "Two **epochs**.", version = 1 }),
            HttpStatusCode.OK);
        Assert.Equal(("Second name", 2L), (changed.GetProperty("name").GetString(), changed.GetProperty("version").GetInt64()));
        // Written against the version before that change: refused, and the change made meanwhile stands.
        var stale = await ReadAsync(await Patch(ada, new { name = "Stale name", baseModel = "base", version = 1 }), HttpStatusCode.Conflict);
        Assert.Contains("changed meanwhile", stale.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var card = new HtmlParser().ParseDocument(await server.Client().GetStringAsync($"/models/trained/{id}"));
        Assert.Equal("Second name", card.QuerySelector("[data-testid=model-name]")?.TextContent);
        Assert.Equal("epochs", card.QuerySelector("[data-testid=card-description] strong")?.TextContent);

        var link = await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/download-links", VotingExperiment.Json(new { expires = "never" })),
            HttpStatusCode.Created);
        var path = new Uri(link.GetProperty("url").GetString()!).PathAndQuery;
        using (var before = await server.Client().GetAsync(path, HttpCompletionOption.ResponseHeadersRead)) Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await bob.PostAsync($"/api/trained-models/{id}/withdraw", VotingExperiment.Json(new { reason = "no" }))).StatusCode);
        var tooLong = await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/withdraw", VotingExperiment.Json(new { reason = new string('r', 2_001) })),
            HttpStatusCode.BadRequest);
        Assert.Equal("reason", tooLong.GetProperty("field").GetString());
        using (var still = await server.Client().GetAsync(path, HttpCompletionOption.ResponseHeadersRead)) Assert.Equal(HttpStatusCode.OK, still.StatusCode);

        var withdrawn = await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/withdraw",
            VotingExperiment.Json(new { reason = "Trained on the wrong export." })), HttpStatusCode.OK);
        Assert.Equal(("Trained on the wrong export.", "Ada"), (withdrawn.GetProperty("withdrawn").GetProperty("reason").GetString(),
            withdrawn.GetProperty("withdrawn").GetProperty("by").GetString()));
        // Its link now answers as an unknown one, and the registration leaves the list (unless asked for).
        var gone = await server.Client().GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(await (await server.Client().GetAsync("/models/download/" + new string('C', 43))).Content.ReadAsStringAsync(),
            await gone.Content.ReadAsStringAsync());
        Assert.Empty(await server.Client().GetFromJsonAsync<JsonElement[]>("/api/trained-models") ?? []);
        Assert.Equal(id, Assert.Single(await server.Client().GetFromJsonAsync<JsonElement[]>("/api/trained-models?withdrawn=true") ?? []).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Client().GetAsync("/api/trained-models?withdrawn=maybe")).StatusCode);
        var page = new HtmlParser().ParseDocument(await server.Client().GetStringAsync("/models"));
        Assert.Null(page.QuerySelector($"tr[data-trained-model='{id}']"));
        card = new HtmlParser().ParseDocument(await ada.GetStringAsync($"/models/trained/{id}"));
        Assert.Contains("Trained on the wrong export.", card.QuerySelector("[data-testid=model-withdrawn]")?.TextContent, StringComparison.Ordinal);
        Assert.NotNull(card.QuerySelector("[data-testid=download-withdrawn]"));
        Assert.Null(card.QuerySelector("[data-testid=download-links]"));
        Assert.Null(card.QuerySelector("[data-testid=manage-registration]"));

        // A withdrawn registration is not edited; withdrawing again is harmless; the same weights register anew.
        Assert.Equal(HttpStatusCode.Conflict, (await Patch(ada, new { baseModel = "base" })).StatusCode);
        await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/withdraw", VotingExperiment.Json(new { })), HttpStatusCode.OK);
        var again = await ReadAsync(await ada.PostAsync("/api/trained-models", VotingExperiment.Json(new { folder = Folder, baseModel = "base", exportId })),
            HttpStatusCode.Created);
        Assert.NotEqual(id, again.GetProperty("id").GetGuid());

        var events = await server.Services.GetRequiredService<Core.Streams.EventStreams>().ReadStreamAsync(Core.TrainedModels.TrainedModelStream.Id(id));
        Assert.Equal(["trained_model_registered", "trained_model_details_changed", "trained_model_withdrawn"], events.Select(e => e.Type));
    }

    [Fact]
    public async Task On_the_card_page_the_owner_corrects_the_registration_and_withdraws_it()
    {
        var (ada, _, exportId) = await ExportedAsync("trained-card-edit");
        var id = (await ReadAsync(await ada.PostAsync("/api/trained-models", VotingExperiment.Json(new
        {
            folder = Folder, name = "Draft name", baseModel = "base", exportId,
        })), HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var page = await Chromium.NewPageAsync(server.Address);
        try
        {
            await Chromium.SignInAsync(page, "Ada", $"/models/trained/{id}");
            await Chromium.WaitForLiveAsync(page);
            var manage = page.GetByTestId("manage-registration");
            await manage.GetByTestId("edit-registration-open").ClickAsync();
            var form = manage.GetByTestId("edit-registration");
            await Assertions.Expect(form.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Draft name");
            // A change made elsewhere after the form was filled: saving reports it and overwrites nothing.
            await ReadAsync(await ada.PatchAsync($"/api/trained-models/{id}", VotingExperiment.Json(new { baseModel = "rebased" })), HttpStatusCode.OK);
            await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Final name");
            await form.GetByTestId("edit-save").ClickAsync();
            await Assertions.Expect(manage.GetByTestId("manage-error")).ToContainTextAsync("changed meanwhile");
            await Assertions.Expect(page.GetByTestId("card-base-model")).ToHaveTextAsync("base");

            await page.ReloadAsync();
            await Chromium.WaitForLiveAsync(page);
            await manage.GetByTestId("edit-registration-open").ClickAsync();
            await Assertions.Expect(form.GetByLabel("Base model", new() { Exact = true })).ToHaveValueAsync("rebased");
            await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Final name");
            await form.GetByLabel("How it was trained (Markdown)").FillAsync("Three *epochs*.");
            await form.GetByTestId("edit-save").ClickAsync();
            await Assertions.Expect(page.GetByTestId("model-name")).ToHaveTextAsync("Final name");
            await Assertions.Expect(page.GetByTestId("card-description").Locator("em")).ToHaveTextAsync("epochs");

            await manage.GetByTestId("withdraw-registration-open").ClickAsync();
            await manage.GetByLabel("Why (shown on the card)").FillAsync("Superseded by a retrained model.");
            await manage.GetByTestId("withdraw-confirm").ClickAsync();
            await Assertions.Expect(page.GetByTestId("model-withdrawn")).ToContainTextAsync("Superseded by a retrained model.");
            await Assertions.Expect(page.GetByTestId("download-withdrawn")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("manage-registration")).ToHaveCountAsync(0);
            var stored = await ReadAsync(await server.Client().GetAsync($"/api/trained-models/{id}"), HttpStatusCode.OK);
            Assert.Equal("Superseded by a retrained model.", stored.GetProperty("withdrawn").GetProperty("reason").GetString());
        }
        finally
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_site_admin_registers_a_model_trained_on_another_persons_experiment_and_manages_its_links()
    {
        var (ada, _, exportId) = await ExportedAsync("trained-admin");
        var admin = await Authorization.AuthorizationMatrixTests.AdminClientAsync(server);
        var registered = await ReadAsync(await admin.PostAsync("/api/trained-models", VotingExperiment.Json(new { folder = Folder, baseModel = "base", exportId })),
            HttpStatusCode.Created);
        Assert.Equal("Root", registered.GetProperty("registeredBy").GetString());
        var id = registered.GetProperty("id").GetGuid();
        // The experiment's owner manages the links of a model trained on it, whoever registered it.
        var link = await ReadAsync(await ada.PostAsync($"/api/trained-models/{id}/download-links", VotingExperiment.Json(new { expires = "1d" })),
            HttpStatusCode.Created);
        await ReadAsync(await admin.PostAsync($"/api/trained-models/{id}/download-links/{link.GetProperty("link").GetProperty("id").GetGuid()}/revoke", null),
            HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task The_lineage_of_a_private_experiment_is_hidden_from_those_who_cannot_read_it()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var experiment = await VotingExperiment.CreateAsync(server, ada, "trained-private", items: 1, visibility: "private");
        var response = await ada.GetAsync($"/api/experiments/{experiment}/export?format=sft-trl");
        var exportId = Assert.Single(response.EnsureSuccessStatusCode().Headers.GetValues("X-Export-Id"));
        var id = (await ReadAsync(await ada.PostAsync("/api/trained-models", VotingExperiment.Json(new { folder = Folder, baseModel = "base", exportId })),
            HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var mine = await ReadAsync(await ada.GetAsync($"/api/trained-models/{id}"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Object, mine.GetProperty("lineage").ValueKind);
        var theirs = await ReadAsync(await server.Client().GetAsync($"/api/trained-models/{id}"), HttpStatusCode.OK);
        Assert.Equal(JsonValueKind.Null, theirs.GetProperty("lineage").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync($"/api/training-exports/{exportId}")).StatusCode);
        var card = await server.Client().GetStringAsync($"/models/trained/{id}");
        Assert.DoesNotContain(exportId, card, StringComparison.Ordinal);
        Assert.DoesNotContain(experiment.ToString(), card, StringComparison.Ordinal);
        Assert.NotNull(new HtmlParser().ParseDocument(card).QuerySelector("[data-testid=lineage-private]"));
    }

    [Fact]
    public async Task On_the_card_page_the_owner_makes_a_download_link_that_works_and_revokes_it()
    {
        var (_, _, exportId) = await ExportedAsync("trained-browser");
        var ada = await server.SignedInClientAsync("Ada");
        var id = (await ReadAsync(await ada.PostAsync("/api/trained-models", VotingExperiment.Json(new
        {
            folder = Folder, name = "Card model", baseModel = "base", exportId, description = "Trained on *two* answers.",
        })), HttpStatusCode.Created)).GetProperty("id").GetGuid();

        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(page, "Ada", $"/models/trained/{id}");
        await Chromium.WaitForLiveAsync(page);
        await Assertions.Expect(page.GetByTestId("model-name")).ToHaveTextAsync("Card model");
        await Assertions.Expect(page.GetByTestId("card-description").Locator("em")).ToHaveTextAsync("two");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create download link" }).ClickAsync();
        var url = new Uri(await page.GetByTestId("download-link-url").InnerTextAsync());
        await Assertions.Expect(page.GetByTestId("download-link")).ToHaveAttributeAsync("data-state", "active");
        using (var download = await server.Client().GetAsync(url.PathAndQuery, HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        var zipUrl = new Uri(await page.GetByTestId("download-link-zip-url").InnerTextAsync());
        using (var download = await server.Client().GetAsync(zipUrl.PathAndQuery, HttpCompletionOption.ResponseHeadersRead))
            Assert.Equal((HttpStatusCode.OK, "application/zip"), (download.StatusCode, download.Content.Headers.ContentType?.MediaType));

        await page.GetByTestId("download-link").GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("download-link")).ToHaveAttributeAsync("data-state", "revoked");
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync(url.PathAndQuery)).StatusCode);
    }

    [Fact]
    public async Task The_experiments_owner_registers_a_model_with_the_form_on_the_models_page()
    {
        var (_, experiment, exportId) = await ExportedAsync("trained-form");
        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(page, "Ada", "/models");
        await Chromium.WaitForLiveAsync(page);
        var form = page.GetByTestId("register-model");
        await Assertions.Expect(form.GetByTestId("register-folder")).ToHaveValueAsync(Folder);
        await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Form model");
        await form.GetByLabel("Base model", new() { Exact = true }).FillAsync("demo-qwen2");
        await form.GetByLabel("How it was trained (Markdown)").FillAsync("One epoch on the **SFT** export.");

        // A wrong export id is refused with the reason, and nothing is registered.
        await form.GetByLabel("Export id (X-Export-Id of the download)").FillAsync(new string('0', 64));
        await form.GetByTestId("register-submit").ClickAsync();
        await Assertions.Expect(form.GetByTestId("register-error")).ToContainTextAsync("No export with that id");
        var none = await ReadAsync(await server.Client().GetAsync("/api/trained-models"), HttpStatusCode.OK);
        Assert.Empty(none.EnumerateArray());

        await form.GetByLabel("Export id (X-Export-Id of the download)").FillAsync(exportId);
        await form.GetByTestId("register-submit").ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath.StartsWith("/models/trained/", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("model-name")).ToHaveTextAsync("Form model");
        await Assertions.Expect(page.GetByTestId("lineage-experiment")).ToHaveAttributeAsync("href", $"/experiments/{experiment}");
        await Assertions.Expect(page.GetByTestId("card-description").Locator("strong")).ToHaveTextAsync("SFT");
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

/// <summary>Guessing download tokens: a server of its own with a small limit, as for share links.</summary>
public sealed class ModelDownloadLimitTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() =>
        server = await HubServer.StartAsync(nameof(ModelDownloadLimitTests), settings: new Dictionary<string, string?> { ["Sharing:RequestsPerMinute"] = "4" });

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task Guessing_download_tokens_is_limited_per_address_like_share_links()
    {
        var client = server.Client();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++) statuses.Add((await client.GetAsync($"/models/download/{Guid.NewGuid():N}{Guid.NewGuid():N}"[..60])).StatusCode);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.NotFound, 4), statuses.Take(4));
        Assert.All(statuses.Skip(4), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
    }
}
