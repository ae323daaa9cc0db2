using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Browser;

/// <summary>What people click, in a real Chromium against the real app and database.</summary>
public sealed class WikiBrowserTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(WikiBrowserTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static Task ReplaceEditorText(IPage page, string text) => Chromium.ReplaceEditorTextAsync(page, text);

    private async Task<JsonElement> Api(string path) => await server.Client().GetFromJsonAsync<JsonElement>(path);

    [Fact]
    public async Task A_writer_signs_in_creates_edits_saves_with_the_keyboard_compares_and_restores()
    {
        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(page, "Ada Lovelace");
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync("Ada Lovelace");

        await Chromium.GotoLiveAsync(page, "/new");
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync("Browser constitution");
        await page.GetByLabel("Address").FillAsync("browser-doc");
        await page.GetByLabel("First text").FillAsync("# Browser\n\n## Honesty\n\nTell the truth.\n");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await page.WaitForURLAsync("**/c/browser-doc");
        await Assertions.Expect(page.GetByTestId("document")).ToContainTextAsync("Tell the truth.");

        await page.GotoAsync("/c/browser-doc/edit");
        await ReplaceEditorText(page, "# Browser\n\n## Honesty\n\nAlways tell the whole truth.\n\n## Curiosity\n\nAsk good questions.\n");
        await Assertions.Expect(page.GetByTestId("preview")).ToContainTextAsync("Ask good questions.");
        await page.GetByLabel("Summary of your change").FillAsync("Add curiosity");
        await page.Locator(".cm-content").ClickAsync();
        await page.Keyboard.PressAsync("Control+s");
        await Assertions.Expect(page.GetByTestId("save-status")).ToContainTextAsync("Saved revision 2");

        await Chromium.GotoLiveAsync(page, "/c/browser-doc/history");
        var rows = page.GetByTestId("history").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Filter(new() { Has = page.GetByRole(AriaRole.Link, new() { Name = "r2", Exact = true }) })).ToContainTextAsync("Add curiosity");
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare selected revisions" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/diff\\?(?=.*from=1)(?=.*to=2)"));
        await Assertions.Expect(page.Locator("ins.word").First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("diff-summary")).ToContainTextAsync("1 added");
        await page.GetByRole(AriaRole.Link, new() { Name = "Inline" }).ClickAsync();
        await Assertions.Expect(page.Locator(".inline-diff del").First).ToBeVisibleAsync();

        await Chromium.GotoLiveAsync(page, "/c/browser-doc/r/1");
        await Assertions.Expect(page.GetByTestId("old-revision")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Restore this revision" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Restore", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/c/browser-doc/r/3");
        await Assertions.Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("Restored revision 1 as revision 3");
        await Assertions.Expect(page.GetByTestId("document")).Not.ToContainTextAsync("Ask good questions.");

        await page.GetByRole(AriaRole.Button, new() { Name = "Label this revision" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByLabel("Label name").FillAsync("published");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set label" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("label")).ToHaveTextAsync("published");

        var history = await Api("/api/constitutions/browser-doc/revisions");
        var newest = history.GetProperty("revisions")[0];
        Assert.Equal(3, newest.GetProperty("number").GetInt32());
        Assert.Equal(1, newest.GetProperty("restoredFrom").GetInt32());
        Assert.Equal("Ada Lovelace", newest.GetProperty("authorName").GetString());
        Assert.Equal(3, (await Api("/api/constitutions/browser-doc")).GetProperty("labels").GetProperty("published").GetInt32());
    }

    [Fact]
    public async Task Two_writers_on_a_stale_revision_merge_separate_sections_and_resolve_an_overlap()
    {
        var setup = await server.SignedInClientAsync("Setup");
        var created = await setup.PostAsJsonAsync("/api/constitutions", new
        {
            slug = "two-writers", title = "Two writers",
            markdown = "# Two writers\n\n## Honesty\n\nTell the truth.\n\n## Curiosity\n\nAsk questions.\n",
        });
        Assert.True(created.IsSuccessStatusCode);

        var ada = await Chromium.NewPageAsync(server.Address);
        var bea = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(ada, "Ada", "/c/two-writers/edit");
        await Chromium.SignInAsync(bea, "Bea", "/c/two-writers/edit");
        await Chromium.WaitForEditorAsync(ada);
        await Chromium.WaitForEditorAsync(bea);

        // Both start from revision 1. Ada changes Honesty, Bea changes Curiosity: no overlap, so they merge.
        await ReplaceEditorText(ada, "# Two writers\n\n## Honesty\n\nTell the truth, kindly.\n\n## Curiosity\n\nAsk questions.\n");
        await ada.GetByTestId("save").ClickAsync();
        await Assertions.Expect(ada.GetByTestId("save-status")).ToContainTextAsync("Saved revision 2");

        await Assertions.Expect(bea.GetByTestId("newer-revision")).ToContainTextAsync("Revision 2");
        await ReplaceEditorText(bea, "# Two writers\n\n## Honesty\n\nTell the truth.\n\n## Curiosity\n\nAsk questions that matter.\n");
        await bea.GetByTestId("save").ClickAsync();
        await Assertions.Expect(bea.GetByTestId("save-status")).ToContainTextAsync("Saved revision 3, merged");
        var merged = (await Api("/api/constitutions/two-writers/revisions/3")).GetProperty("markdown").GetString();
        Assert.Contains("Tell the truth, kindly.", merged, StringComparison.Ordinal);
        Assert.Contains("Ask questions that matter.", merged, StringComparison.Ordinal);

        // Now both rewrite the same line from revision 3: the second save opens the conflict view.
        await ada.ReloadAsync();
        await ReplaceEditorText(ada, merged!.Replace("Tell the truth, kindly.", "Ada's honesty.", StringComparison.Ordinal));
        await ReplaceEditorText(bea, merged.Replace("Tell the truth, kindly.", "Bea's honesty.", StringComparison.Ordinal));
        await ada.GetByTestId("save").ClickAsync();
        await Assertions.Expect(ada.GetByTestId("save-status")).ToContainTextAsync("Saved revision 4");
        await bea.GetByTestId("save").ClickAsync();
        var conflict = bea.GetByTestId("conflict");
        await Assertions.Expect(conflict).ToBeVisibleAsync();
        await Assertions.Expect(conflict.GetByTestId("mine")).ToContainTextAsync("Bea's honesty.");
        await Assertions.Expect(conflict.GetByTestId("theirs")).ToContainTextAsync("Ada's honesty.");
        Assert.Equal(4, (await Api("/api/constitutions/two-writers")).GetProperty("constitution").GetProperty("headRevision").GetInt32());

        await conflict.GetByRole(AriaRole.Button, new() { Name = "Keep yours" }).ClickAsync();
        await bea.GetByTestId("resolve").ClickAsync();
        await Assertions.Expect(bea.GetByTestId("preview")).ToContainTextAsync("Bea's honesty.");
        await bea.GetByTestId("save").ClickAsync();
        await Assertions.Expect(bea.GetByTestId("save-status")).ToContainTextAsync("Saved revision 5");
        var final = (await Api("/api/constitutions/two-writers/revisions/5")).GetProperty("markdown").GetString();
        Assert.Contains("Bea's honesty.", final, StringComparison.Ordinal);
        Assert.Contains("Ask questions that matter.", final, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_prompt_page_compiles_the_chosen_variant_and_changes_the_hash()
    {
        var page = await Chromium.NewPageAsync(server.Address);
        await page.GotoAsync("/c/baseline/prompt");
        var hash = page.GetByTestId("prompt-hash");
        await Assertions.Expect(hash).ToContainTextAsync("sha256:");
        await Assertions.Expect(page.GetByTestId("prompt-text")).Not.ToContainTextAsync("You push back whenever");
        var before = await hash.TextContentAsync();

        // The select becomes interactive once the circuit is up; repeat the choice until the server has applied it.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            await page.GetByLabel("Agreeableness").SelectOptionAsync("lower");
            try
            {
                await Assertions.Expect(page.GetByTestId("prompt-text")).ToContainTextAsync("You push back whenever", new() { Timeout = 1000 });
                break;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
                await page.GetByLabel("Agreeableness").SelectOptionAsync("default");
            }
        }
        Assert.NotEqual(before, await hash.TextContentAsync());
    }

    [Fact]
    public async Task The_owner_renames_a_constitution_and_makes_it_private_and_others_lose_sight_of_it()
    {
        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(page, "Owner");
        await Chromium.GotoLiveAsync(page, "/new");
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync("Settings doc");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await page.WaitForURLAsync("**/c/settings-doc");

        await page.GetByRole(AriaRole.Tab, new() { Name = "Settings" }).ClickAsync();
        await page.GetByLabel("Title", new() { Exact = true }).FillAsync("Renamed doc");
        await page.GetByLabel("Who can see it").ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = "Private" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Make private" }).ClickAsync();
        await page.WaitForURLAsync("**/c/settings-doc");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 }).First).ToHaveTextAsync("Renamed doc");

        var other = await Chromium.NewPageAsync(server.Address);
        var response = await other.GotoAsync("/c/settings-doc");
        Assert.Equal(404, response!.Status);
    }

    [Fact]
    public async Task Searching_finds_a_constitution_by_its_text()
    {
        // The text index is an async projection: search by text once the daemon has indexed the baseline.
        await server.AsyncProjectionsCaughtUpAsync();
        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.GotoLiveAsync(page, "/");
        await page.GetByRole(AriaRole.Combobox, new() { Name = "Search constitutions" }).FillAsync("diplomatically");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/search\\?q=diplomatically$"));
        await Assertions.Expect(page.GetByTestId("search-results")).ToContainTextAsync("Baseline constitution");
        await Assertions.Expect(page.Locator("[data-testid=search-results] mark").First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Sign_out_from_the_user_menu_ends_the_session()
    {
        var page = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(page, "Grace Hopper");
        await Chromium.WaitForLiveAsync(page);
        await page.GetByTestId("signed-in-as").ClickAsync();
        await page.GetByTestId("menu-signout").ClickAsync();
        await page.WaitForURLAsync("**/signout");
        await page.GetByTestId("signout-here").ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveCountAsync(0);
        await page.GotoAsync("/signout");
        await Assertions.Expect(page.GetByTestId("signed-out")).ToBeVisibleAsync();
    }
}
