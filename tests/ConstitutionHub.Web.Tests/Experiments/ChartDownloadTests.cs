using System.Net;
using System.Xml.Linq;
using ConstitutionHub.Web.Tests.Support;
using static ConstitutionHub.Web.Tests.Experiments.VotingExperiment;

namespace ConstitutionHub.Web.Tests.Experiments;

/// <summary>The run page's charts downloaded over real HTTP: SVG that parses and is served inert, PNG from
/// rsvg-convert, arms hidden on request, bad requests refused, private runs unknown.</summary>
public sealed class ChartDownloadTests : IAsyncLifetime
{
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(ChartDownloadTests), settings: Settings);
    public async Task DisposeAsync() => await server.DisposeAsync();

    /// <summary>A factorial run over Tone with three people's votes (one each way and a tie), so ratings and an effect exist.</summary>
    private async Task<(HttpClient Owner, Guid Id)> VotedAsync(string slug, string visibility = "public")
    {
        var ada = await server.SignedInClientAsync("Ada");
        var id = await CreateAsync(server, ada, slug, items: 3, visibility, factorial: true);
        foreach (var (item, choice) in new[] { ("q1", "left"), ("q2", "right"), ("q3", "tie") })
            (await ada.PostAsync($"/api/experiments/{id}/votes", Json(new { armA = "A", armB = "B", itemId = item, sample = 0, choice }))).EnsureSuccessStatusCode();
        return (ada, id);
    }

    [Fact]
    public async Task Ratings_and_effects_download_as_svg_and_png_with_arms_hidden_on_request()
    {
        var (ada, id) = await VotedAsync("charts");
        var reader = server.Client();

        var svg = await reader.GetAsync($"/api/experiments/{id}/charts/ratings.svg?source=human");
        Assert.Equal(HttpStatusCode.OK, svg.StatusCode);
        Assert.Equal("image/svg+xml", svg.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", svg.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("ratings-people.svg", svg.Content.Headers.ContentDisposition?.FileNameStar ?? svg.Content.Headers.ContentDisposition?.FileName);
        var ratings = XDocument.Parse(await svg.Content.ReadAsStringAsync());
        Assert.Equal(2, ratings.Descendants(XName.Get("circle", "http://www.w3.org/2000/svg")).Count());
        Assert.Contains("Tone=", ratings.ToString());

        var hidden = await reader.GetStringAsync($"/api/experiments/{id}/charts/ratings.svg?source=human&hideArms=true");
        Assert.DoesNotContain("Tone=", hidden);

        var effects = XDocument.Parse(await reader.GetStringAsync($"/api/experiments/{id}/charts/effects.svg?source=human"));
        Assert.Contains("Tone=lower", effects.ToString());

        foreach (var chart in new[] { "ratings", "effects" })
        {
            var png = await reader.GetAsync($"/api/experiments/{id}/charts/{chart}.png?source=human");
            Assert.Equal(HttpStatusCode.OK, png.StatusCode);
            Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
            var bytes = await png.Content.ReadAsByteArrayAsync();
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
            // The PNG is as wide as the SVG says (IHDR: width at bytes 16-19, big-endian).
            Assert.Equal(560, (bytes[16] << 24) | (bytes[17] << 16) | (bytes[18] << 8) | bytes[19]);
        }
    }

    [Fact]
    public async Task A_chart_request_that_is_bad_unrated_or_private_is_refused_with_a_reason()
    {
        var (ada, id) = await VotedAsync("charts-bad");
        async Task Refused(HttpClient client, string path, HttpStatusCode status, string reason)
        {
            var response = await client.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{path}: {(int)response.StatusCode} {body}");
            Assert.Contains(reason, body);
        }
        await Refused(ada, $"/api/experiments/{id}/charts/pie.svg", HttpStatusCode.BadRequest, "ratings or effects");
        await Refused(ada, $"/api/experiments/{id}/charts/ratings.gif", HttpStatusCode.BadRequest, "svg or png");
        await Refused(ada, $"/api/experiments/{id}/charts/ratings.svg?source=crowd", HttpStatusCode.BadRequest, "judge or human");
        // No judge ran: the judge's chart has nothing to show.
        await Refused(ada, $"/api/experiments/{id}/charts/ratings.svg", HttpStatusCode.NotFound, "No verdicts yet");

        var (_, secret) = await VotedAsync("charts-private", visibility: "private");
        await Refused(server.Client(), $"/api/experiments/{secret}/charts/ratings.svg?source=human", HttpStatusCode.NotFound, "No such experiment");
    }
}
