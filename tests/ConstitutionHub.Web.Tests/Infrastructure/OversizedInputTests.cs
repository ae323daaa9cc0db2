using System.Net;
using System.Net.Http.Json;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Infrastructure;

/// <summary>Input over the limits is answered with "too large", in the browser before it is sent and on the server.</summary>
public sealed class OversizedInputTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(20_000);
        server = await HubServer.StartAsync(nameof(OversizedInputTests));
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_5_MB_form_post_gets_413_saying_too_large_not_an_antiforgery_message()
    {
        var client = await server.SignedInClientAsync("Big Poster");
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = await HubServer.AntiforgeryTokenAsync(client), ["markdown"] = new string('x', 5 * 1024 * 1024),
        };

        var response = await client.PostAsync("/new", new FormUrlEncodedContent(form));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("too large", body, StringComparison.Ordinal);
        Assert.DoesNotContain("antiforgery", body, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_edit_over_the_limit_says_too_large_keeps_the_circuit_and_cannot_be_saved_until_it_fits()
    {
        var api = await server.SignedInClientAsync("Ada");
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync("/api/constitutions",
            new { slug = "big-edit", title = "Big edit", markdown = "# Big edit\n\n## One\n\nText.\n" })).StatusCode);
        var page = await Chromium.NewPageAsync(server.Address);
        page.Context.SetDefaultTimeout(30_000);
        await Chromium.SignInAsync(page, "Ada", "/c/big-edit/edit");
        await Chromium.WaitForEditorAsync(page);
        var save = page.GetByTestId("save");
        await Assertions.Expect(save).ToBeEnabledAsync();

        // 5 MB pasted: over the document's limit and over the circuit's message limit.
        await page.EvaluateAsync("() => { const v = document.querySelector('[data-testid=editor-host]').hubEditor; " +
                                 "v.dispatch({ changes: { from: v.state.doc.length, insert: 'x'.repeat(5 * 1024 * 1024) } }); }");

        await Assertions.Expect(page.GetByTestId("save-status")).ToContainTextAsync("too large");
        await Assertions.Expect(save).ToBeDisabledAsync();

        // The circuit is still there: cutting the text back is heard, and saving works again.
        await page.EvaluateAsync("() => { const v = document.querySelector('[data-testid=editor-host]').hubEditor; " +
                                 "v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: '# Big edit\\n\\n## One\\n\\nShorter.\\n' } }); }");
        await Assertions.Expect(page.GetByTestId("save-status")).ToHaveCountAsync(0);
        await Assertions.Expect(save).ToBeEnabledAsync();
        await save.ClickAsync();
        await Assertions.Expect(page.GetByTestId("save-status")).ToContainTextAsync("Saved revision 2");
    }
}
