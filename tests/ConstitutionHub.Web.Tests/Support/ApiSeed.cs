using System.Text;
using System.Text.Json;

namespace ConstitutionHub.Web.Tests.Support;

/// <summary>Data a test starts from, made through the JSON API as a script would make it.</summary>
public static class ApiSeed
{
    public static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>A constitution whose revisions are <paramref name="texts"/>, in order (revision 1 is the first).</summary>
    public static async Task ConstitutionAsync(HttpClient api, string slug, string title, params string[] texts)
    {
        (await api.PostAsync("/api/constitutions", Json(new { slug, title, markdown = texts[0] }))).EnsureSuccessStatusCode();
        foreach (var text in texts.Skip(1))
        {
            var etag = (await api.GetAsync($"/api/constitutions/{slug}")).Headers.ETag!.Tag;
            var revision = new HttpRequestMessage(HttpMethod.Post, $"/api/constitutions/{slug}/revisions") { Content = Json(new { markdown = text, summary = "next" }) };
            revision.Headers.TryAddWithoutValidation("If-Match", etag);
            (await api.SendAsync(revision)).EnsureSuccessStatusCode();
        }
    }
}
