using System.Net;
using System.Text;
using System.Text.Json;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Api;

public sealed class VisibilityTests
{
    [Fact]
    public async Task Visibility_accepts_only_its_three_names_and_anything_else_is_a_400_that_creates_nothing()
    {
        await using var server = await HubServer.StartAsync("visibility_names");
        var ada = await server.SignedInClientAsync("Ada");
        var n = 0;
        foreach (var bad in new[] { "99", "1", "secret", " public", "Public,Private", "" })
        {
            var slug = $"vis-{++n}";
            var response = await ada.PostAsync("/api/constitutions", new StringContent(
                JsonSerializer.Serialize(new { slug, title = "V", summary = "", visibility = bad, markdown = "# V\n" }), Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("visibility", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("field").GetString());
            Assert.Equal(HttpStatusCode.NotFound, (await ada.GetAsync($"/api/constitutions/{slug}")).StatusCode);
        }
        var ok = await ada.PostAsync("/api/constitutions", new StringContent(
            """{"slug":"vis-ok","title":"V","summary":"","visibility":"PRIVATE","markdown":"# V\n"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Contains("\"visibility\":\"private\"", await (await ada.GetAsync("/api/constitutions/vis-ok")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
