using System.Text;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConstitutionHub.Web.Tests.Browser;

/// <summary>
/// Who is on a constitution now, across two web nodes on one database: a writer editing on node A, a signed-in reader
/// and an anonymous one on node B, each in a real Chromium. The app bar shows the others, with the section being
/// edited, and a closed page leaves within seconds.
/// </summary>
public sealed class PresenceBrowserTests : IAsyncLifetime
{
    private TwoNodes nodes = null!;

    public async Task InitializeAsync() => nodes = await TwoNodes.StartAsync(nameof(PresenceBrowserTests));
    public async Task DisposeAsync() => await nodes.DisposeAsync();

    private static async Task<IPage> OpenAsync(HubServer node, string? name, string path)
    {
        var page = await Chromium.NewPageAsync(node.Address);
        page.Context.SetDefaultTimeout(30_000);
        if (name is not null) await Chromium.SignInAsync(page, name);
        await Chromium.GotoLiveAsync(page, path);
        return page;
    }

    [Fact]
    public async Task Readers_see_who_edits_which_section_on_another_node_until_the_page_closes()
    {
        var api = await nodes.A.SignedInClientAsync("Ada");
        (await api.PostAsync("/api/constitutions", new StringContent(JsonSerializer.Serialize(new
        {
            slug = "here-now", title = "Here now", markdown = "# Here now\n\n## Honesty\n\nTell the truth.\n\n## Curiosity\n\nAsk good questions.\n",
        }), Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

        var grace = await OpenAsync(nodes.B, "Grace", "/c/here-now");
        var anonymous = await OpenAsync(nodes.B, null, "/c/here-now");
        // Alone but for an anonymous reader: nobody named, one counted.
        await Expect(grace.GetByTestId("presence")).ToHaveAttributeAsync("aria-label", "Also here: one reader not signed in", new() { Timeout = 20_000 });

        var ada = await OpenAsync(nodes.A, "Ada", "/c/here-now/edit");
        await Chromium.WaitForEditorAsync(ada);
        var adaOnGrace = grace.GetByTestId("present");
        await Expect(adaOnGrace).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("^Ada, editing"), new() { Timeout = 20_000 });

        await ada.Locator(".cm-line", new() { HasText = "Ask good questions." }).ClickAsync();
        await Expect(adaOnGrace).ToHaveAttributeAsync("aria-label", "Ada, editing: Curiosity", new() { Timeout = 20_000 });
        await ada.Locator(".cm-line", new() { HasText = "Tell the truth." }).ClickAsync();
        await Expect(adaOnGrace).ToHaveAttributeAsync("aria-label", "Ada, editing: Honesty", new() { Timeout = 20_000 });
        await Expect(adaOnGrace).ToHaveTextAsync("A");

        // Ada sees the others, not herself; the anonymous reader sees both by name.
        await Expect(ada.GetByTestId("presence")).ToHaveAttributeAsync("aria-label", "Also here: Grace, reading; one reader not signed in", new() { Timeout = 20_000 });
        await Expect(anonymous.GetByTestId("presence")).ToHaveAttributeAsync("aria-label", "Also here: Ada, editing: Honesty; Grace, reading", new() { Timeout = 20_000 });

        await ada.CloseAsync(new() { RunBeforeUnload = true });
        await Expect(adaOnGrace).ToHaveCountAsync(0, new() { Timeout = 15_000 });
        await Expect(grace.GetByTestId("presence")).ToHaveAttributeAsync("aria-label", "Also here: one reader not signed in");
    }
}
