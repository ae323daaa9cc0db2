using System.Net.Http.Json;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Members;

/// <summary>Roles as people use them, in a real Chromium: two people, each in their own browser context.</summary>
public sealed class MembersBrowserTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(MembersBrowserTests));
    public async Task DisposeAsync() => await server.DisposeAsync();

    private static readonly LocatorAssertionsToContainTextOptions Patient = new() { Timeout = 30_000 };

    [Fact]
    public async Task An_invited_editor_edits_a_restricted_constitution_until_removed_and_the_open_page_then_says_so()
    {
        var ada = await server.SignedInClientAsync("Ada");
        var created = await ada.PostAsJsonAsync("/api/constitutions",
            new { slug = "roles-doc", title = "Roles", summary = "", visibility = "public", markdown = "# Roles\n\nFirst text.\n" });
        Assert.True(created.IsSuccessStatusCode);

        var owner = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(owner, "Ada");
        var bea = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(bea, "Bea");

        await Chromium.GotoLiveAsync(owner, "/c/roles-doc/members");
        await owner.GetByText("Only editors and up may edit").ClickAsync();
        await Assertions.Expect(owner.Locator(".mud-snackbar")).ToContainTextAsync("Edits restricted to editors.", Patient);

        await Chromium.GotoLiveAsync(bea, "/c/roles-doc/edit");
        await Assertions.Expect(bea.GetByText("You cannot edit this constitution.")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        await owner.GetByLabel("Handle").FillAsync("@bea");
        await owner.GetByRole(AriaRole.Button, new() { Name = "Invite", Exact = true }).ClickAsync();
        await Assertions.Expect(owner.GetByTestId("invitations-bea")).ToContainTextAsync("editor", Patient);

        await Chromium.GotoLiveAsync(bea, "/invitations");
        await bea.GetByTestId("invitation-roles-doc").GetByRole(AriaRole.Button, new() { Name = "Accept" }).ClickAsync();
        await Assertions.Expect(bea.Locator(".mud-snackbar")).ToContainTextAsync("You are now editor on Roles.", Patient);

        await Chromium.GotoLiveAsync(bea, "/c/roles-doc/edit");
        await Chromium.ReplaceEditorTextAsync(bea, "# Roles\n\nSecond text.\n");
        await bea.GetByTestId("save").ClickAsync();
        await Assertions.Expect(bea.GetByTestId("save-status")).ToContainTextAsync("Saved revision 2", Patient);

        await Chromium.GotoLiveAsync(owner, "/c/roles-doc/members");
        await owner.GetByTestId("member-bea").GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Assertions.Expect(owner.GetByTestId("member-bea")).ToHaveCountAsync(0, new() { Timeout = 30_000 });

        // Bea's edit page is still open from when she could edit: her next save is refused with the reason.
        await Chromium.ReplaceEditorTextAsync(bea, "# Roles\n\nThird text.\n");
        await bea.GetByTestId("save").ClickAsync();
        await Assertions.Expect(bea.GetByTestId("save-status")).ToContainTextAsync("You cannot edit this constitution.", Patient);
        var history = await server.Client().GetFromJsonAsync<JsonElement>("/api/constitutions/roles-doc/revisions");
        Assert.Equal(2, history.GetProperty("revisions")[0].GetProperty("number").GetInt32());
    }

    [Fact]
    public async Task A_person_asks_to_edit_a_restricted_constitution_and_the_owner_approves_on_the_members_page()
    {
        var ada = await server.SignedInClientAsync("Ada");
        await ada.PostAsJsonAsync("/api/constitutions", new { slug = "asked-doc", title = "Asked", summary = "", visibility = "public", markdown = "# Asked\n" });
        Assert.True((await ada.PutAsJsonAsync("/api/constitutions/asked-doc/edits", new { restricted = true })).IsSuccessStatusCode);

        var cy = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(cy, "Cy");
        await Chromium.GotoLiveAsync(cy, "/c/asked-doc/members");
        await cy.GetByTestId("ask-to-edit").ClickAsync();
        await Assertions.Expect(cy.Locator(".mud-snackbar")).ToContainTextAsync("Asked; a maintainer will answer.", Patient);

        var owner = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(owner, "Ada");
        await Chromium.GotoLiveAsync(owner, "/c/asked-doc/members");
        await owner.GetByTestId("requests-cy").GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Assertions.Expect(owner.Locator(".mud-snackbar")).ToContainTextAsync("Request approved.", Patient);
        await Assertions.Expect(owner.GetByTestId("member-cy")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        await Chromium.GotoLiveAsync(cy, "/c/asked-doc/edit");
        await Chromium.WaitForEditorAsync(cy);
        await Assertions.Expect(cy.GetByTestId("save")).ToBeVisibleAsync();
    }
}
