using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ConstitutionHub.Web.Tests.Experiments;

/// <summary>
/// Chromium: a person votes blind with the keyboard, finds the people's ratings on the run page and turns the section
/// effect into a finding; an anonymous participant votes through a study link until its owner revokes it.
/// </summary>
public sealed class ArenaBrowserTests : IAsyncLifetime
{
    private static readonly LocatorAssertionsToContainTextOptions Patient = new() { Timeout = 60_000 };

    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(ArenaBrowserTests), settings: VotingExperiment.Settings);
    public async Task DisposeAsync() => await server.DisposeAsync();

    [Fact]
    public async Task A_person_votes_blind_with_the_keyboard_turns_the_effect_into_a_finding_and_a_study_participant_votes_until_the_link_is_revoked()
    {
        var api = await server.SignedInClientAsync("Ada");
        var id = await VotingExperiment.CreateAsync(server, api, "arena", items: 3, factorial: true);

        var owner = await Chromium.NewPageAsync(server.Address);
        await Chromium.SignInAsync(owner, "Ada", $"/experiments/{id}/vote");
        await Chromium.WaitForLiveAsync(owner);
        await Expect(owner.GetByTestId("vote-progress")).ToContainTextAsync("0 of 3 pairs voted", Patient);
        // Blind: sides are A and B, the arms' labels (Tone=default, Tone=lower) appear nowhere.
        await Expect(owner.GetByTestId("arena")).Not.ToContainTextAsync("Tone=");
        await Expect(owner.GetByTestId("arena-prompt")).ToContainTextAsync("Question");
        // Outputs go through the documents' Markdown pipeline: Markdown renders, raw HTML shows as text.
        var left = owner.GetByTestId("arena-output-A");
        await Expect(left.Locator("strong")).ToHaveCountAsync(1);
        await Expect(left.Locator("i")).ToHaveCountAsync(0);
        await Expect(left).ToContainTextAsync("<i onmouseover");
        // Keys 1, B and T: A better, B better, a tie, so the effect's estimate is finite.
        foreach (var (key, voted) in new[] { ("1", 1), ("b", 2), ("t", 3) })
        {
            await owner.GetByTestId("arena-pair").PressAsync(key);
            await Expect(owner.GetByTestId("vote-progress")).ToContainTextAsync($"{voted} of 3 pairs voted", Patient);
        }
        await Expect(owner.GetByTestId("vote-done")).ToBeVisibleAsync();

        await Chromium.GotoLiveAsync(owner, $"/experiments/{id}");
        var people = owner.GetByTestId("human-leaderboard");
        await Expect(people).ToContainTextAsync("Leaderboard (people, 3 votes)", Patient);
        await Expect(owner.GetByTestId("human-agreement")).ToContainTextAsync("0 \"both bad\" votes left out");
        await Expect(people.GetByTestId("effect")).ToContainTextAsync("Variant 'lower' of Tone");
        await people.GetByRole(AriaRole.Button, new() { Name = "Make a finding" }).ClickAsync();
        var finding = people.GetByTestId("effect-finding");
        await Expect(finding).ToBeVisibleAsync(new() { Timeout = 60_000 });
        Assert.StartsWith("/c/arena?annotation=", await finding.GetAttributeAsync("href"));

        await owner.GetByRole(AriaRole.Button, new() { Name = "Create study link" }).ClickAsync();
        var url = await owner.GetByTestId("study-link-url").TextContentAsync(new() { Timeout = 60_000 });
        Assert.Contains("/study/", url);

        var participant = await Chromium.NewPageAsync(server.Address);
        await Chromium.GotoLiveAsync(participant, new Uri(url!).PathAndQuery);
        Assert.EndsWith("/vote", new Uri(participant.Url).AbsolutePath);
        await Expect(participant.GetByTestId("vote-progress")).ToContainTextAsync("0 of 3 pairs voted", Patient);
        await participant.GetByRole(AriaRole.Button, new() { Name = "Tie (3)" }).ClickAsync();
        await Expect(participant.GetByTestId("vote-progress")).ToContainTextAsync("1 of 3 pairs voted", Patient);

        await owner.GetByRole(AriaRole.Button, new() { Name = "Revoke" }).ClickAsync();
        // On the link's state: its text says "until revoked" while it is active.
        await Expect(owner.GetByTestId("study-link")).ToHaveAttributeAsync("data-state", "revoked", new() { Timeout = 60_000 });
        // A button rather than a key here: the click waits until the button can take it, on a machine however loaded.
        await participant.GetByRole(AriaRole.Button, new() { Name = "Both bad (4)" }).ClickAsync();
        await Expect(participant.GetByTestId("vote-refused")).ToContainTextAsync("revoked", Patient);
        await Expect(participant.GetByTestId("vote-progress")).ToContainTextAsync("1 of 3 pairs voted");
        await Expect(people).ToContainTextAsync("Leaderboard (people, 4 votes)", Patient);

        // The finding links back to the experiment from the document.
        await Chromium.GotoLiveAsync(owner, (await finding.GetAttributeAsync("href"))!);
        await Expect(owner.Locator($"a[href='/experiments/{id}']").First).ToBeVisibleAsync(new() { Timeout = 60_000 });
    }
}
