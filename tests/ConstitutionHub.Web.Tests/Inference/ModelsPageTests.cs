using AngleSharp.Html.Parser;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Inference.Serving;
using ConstitutionHub.Web.Tests.Support;
using Microsoft.Playwright;

namespace ConstitutionHub.Web.Tests.Inference;

[Collection(ServingCollection.Name)]
public sealed class ModelsPageTests(ServingFixture fixture)
{
    [Fact]
    public async Task The_models_page_lists_the_catalog_with_the_demo_badge_hash_errors_and_live_load()
    {
        fixture.Model.ResetWaits();
        var client = fixture.KeyClient();
        var waiting = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { model = StandInLocalModel.Id, stream = true, messages = new[] { new { role = "user", content = "wait" } } }),
                Encoding.UTF8, "application/json"),
        }, HttpCompletionOption.ResponseHeadersRead);
        await fixture.Model.Waiting.WaitAsync(TimeSpan.FromSeconds(10));

        var page = new HtmlParser().ParseDocument(await fixture.Server.Client().GetStringAsync("/models"));

        Assert.NotNull(page.QuerySelector("nav a[href='/models']"));
        var demo = page.QuerySelector($"tr[data-model='{StandInLocalModel.Id}']")!;
        Assert.Contains("Stand-in demo model", demo.TextContent, StringComparison.Ordinal);
        Assert.Equal("Demo model", demo.QuerySelector("[data-testid=demo-badge]")?.TextContent);
        Assert.Contains("1.5M", demo.TextContent, StringComparison.Ordinal);
        Assert.Contains("2,048", demo.TextContent, StringComparison.Ordinal);
        Assert.Equal(StandInLocalModel.Sha256, demo.QuerySelector("summary code")?.GetAttribute("title"));
        Assert.Equal(StandInLocalModel.Sha256[..12], demo.QuerySelector("summary code")?.TextContent);
        Assert.Equal(StandInLocalModel.Sha256, demo.QuerySelector("[data-testid=sha256]")?.TextContent);
        Assert.Equal("1", demo.QuerySelector("[data-testid=running]")?.TextContent);
        Assert.Equal("0", demo.QuerySelector("[data-testid=queued]")?.TextContent);

        var broken = page.QuerySelector($"tr[data-model='{StandInLocalModel.BrokenId}']")!;
        Assert.Null(broken.QuerySelector("[data-testid=demo-badge]"));
        Assert.Contains("model.onnx is missing", broken.QuerySelector("[data-testid=model-error]")?.TextContent, StringComparison.Ordinal);
        Assert.Contains("remote", page.QuerySelector($"tr[data-model='{ServingFixture.RemoteId}']")?.TextContent, StringComparison.Ordinal);

        waiting.Dispose();
        client.Dispose();
        var scheduler = fixture.Server.Services.GetRequiredService<GenerationScheduler>();
        await Eventually.TrueAsync(() => scheduler.Load(StandInLocalModel.Id).Running == 0, "the scheduler to let go of the cancelled run");
        Assert.Equal(0, scheduler.Load(StandInLocalModel.Id).Running);
    }

    [Fact]
    public async Task The_running_count_on_an_open_models_page_follows_the_load_without_a_reload()
    {
        fixture.Model.ResetWaits();
        var page = await Chromium.NewPageAsync(fixture.Server.Address);
        await page.GotoAsync("/models");
        await page.Locator("[data-testid=models][data-live=yes]").WaitForAsync();
        var running = page.Locator($"tr[data-model='{StandInLocalModel.Id}'] [data-testid=running]");
        await Assertions.Expect(running).ToHaveTextAsync("0");

        var client = fixture.KeyClient();
        var waiting = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { model = StandInLocalModel.Id, stream = true, messages = new[] { new { role = "user", content = "wait" } } }),
                Encoding.UTF8, "application/json"),
        }, HttpCompletionOption.ResponseHeadersRead);
        await Assertions.Expect(running).ToHaveTextAsync("1");

        waiting.Dispose();
        client.Dispose();
        await Assertions.Expect(running).ToHaveTextAsync("0");
        await page.Context.CloseAsync();
    }
}
