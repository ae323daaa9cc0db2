using System.Text.RegularExpressions;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Chats;

/// <summary>A first message the chat refuses is refused before the chat exists: no empty chat in the lists.</summary>
public sealed class RefusedFirstMessageTests : IAsyncLifetime
{
    private readonly ScriptedChatModel demo = new("scripted-demo");
    private HubServer server = null!;

    public async Task InitializeAsync()
    {
        Assertions.SetDefaultExpectTimeout(20_000);
        server = await HubServer.StartAsync(nameof(RefusedFirstMessageTests), configure: new ScriptedModelCatalog(demo).Register);
    }

    public async Task DisposeAsync() => await server.DisposeAsync();

    private async Task<int> BaselineChatsAsync()
    {
        var baseline = await server.Services.GetRequiredService<ConstitutionQueries>().BySlugAsync("baseline");
        return (await server.Services.GetRequiredService<ChatQueries>().ListAsync(baseline!.Id)).Total;
    }

    [Fact]
    public async Task A_first_message_with_a_control_character_is_refused_and_creates_no_chat()
    {
        var page = await Chromium.NewPageAsync(server.Address);
        page.Context.SetDefaultTimeout(30_000);
        await Chromium.SignInAsync(page, "Ctrl Sender");
        await page.GotoAsync("/c/baseline/chats/new");
        await Assertions.Expect(page.GetByTestId("new-chat")).ToHaveAttributeAsync("data-live", "true");

        await page.GetByLabel("First message").FillAsync("Ring the bell \u0007 please.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("new-chat-error")).ToContainTextAsync("control characters");
        Assert.Equal(0, await BaselineChatsAsync());

        // Fixed, the same form starts the one chat.
        await page.GetByLabel("First message").FillAsync("Ring the bell, please.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Start chat" }).ClickAsync();
        await page.WaitForURLAsync(new Regex("/chats/[0-9a-f-]{36}$"));
        Assert.Equal(1, await BaselineChatsAsync());
    }
}
