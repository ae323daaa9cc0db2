using System.Net;
using System.Net.Http.Json;
using ConstitutionHub.Web.Features.Annotations;
using ConstitutionHub.Web.Tests.Chats;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Annotations;

/// <summary>Two web nodes on one database: an annotation made through one appears on a page served by the other.</summary>
public sealed class AnnotationNodesTests : IAsyncLifetime
{
    private TwoNodes nodes = null!;

    public async Task InitializeAsync() => nodes = await TwoNodes.StartAsync(nameof(AnnotationNodesTests));
    public async Task DisposeAsync() => await nodes.DisposeAsync();

    [Fact]
    public async Task An_annotation_made_on_one_node_appears_live_on_a_page_of_the_other()
    {
        await ChatKit.CreateConstitutionAsync(nodes.A, "Ada", "two-nodes");
        var section = await ChatKit.SectionIdAsync(nodes.A, "two-nodes", "Curiosity");
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var constitution = (await nodes.B.Services.GetRequiredService<ConstitutionHub.Core.Documents.ConstitutionQueries>().BySlugAsync("two-nodes"))!;
        using var subscription = nodes.B.Services.GetRequiredService<AnnotationFeed>().Subscribe(constitution.Id, () => { heard.TrySetResult(); return Task.CompletedTask; });

        var reader = await Chromium.NewPageAsync(nodes.B.Address);
        await Chromium.GotoLiveAsync(reader, "/c/two-nodes");
        await reader.Locator("[data-testid=document] .annotation-gutter").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        var bob = await nodes.A.SignedInClientAsync("Bob");
        var created = await bob.PostAsJsonAsync("/api/constitutions/two-nodes/annotations", new { sectionId = section, exact = "good questions", body = "Which ones?" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await heard.Task.WaitAsync(TimeSpan.FromSeconds(20)); // node B's feed heard node A's write
        await Assertions.Expect(reader.Locator("mark.annotation")).ToHaveTextAsync("good questions");
        await Assertions.Expect(reader.GetByTestId("annotation")).ToContainTextAsync("Which ones?");
    }
}
