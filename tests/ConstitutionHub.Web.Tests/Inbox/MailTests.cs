using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using ConstitutionHub.Web.Features.Inbox;
using ConstitutionHub.Web.Tests.Chats;
using ConstitutionHub.Web.Tests.Support;

namespace ConstitutionHub.Web.Tests.Inbox;

/// <summary>Notification mail through a real SMTP conversation with a sink written for the test: off by default,
/// sent at once when asked for, with the right recipient, subject and link, and stopped by its unsubscribe link.</summary>
public sealed partial class MailTests : IAsyncLifetime
{
    private readonly SmtpSink sink = new();
    private HubServer server = null!;

    public async Task InitializeAsync() => server = await HubServer.StartAsync(nameof(MailTests), settings: new Dictionary<string, string?>
    {
        ["Notifications:Smtp:Host"] = "127.0.0.1",
        ["Notifications:Smtp:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Notifications:Smtp:From"] = "ConstitutionHub <hub@example.test>",
        ["Notifications:Smtp:Security"] = "None",
        ["Notifications:BaseUrl"] = "https://hub.example.test",
    });

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        await sink.DisposeAsync();
    }

    private async Task<long> NewestNotificationAsync(HttpClient client, int count) =>
        (await Eventually.GetAsync(async () => await client.GetFromJsonAsync<JsonElement>("/api/inbox"),
            inbox => inbox.GetProperty("notifications").GetArrayLength() == count, $"{count} notification(s)"))
        .GetProperty("notifications")[0].GetProperty("seq").GetInt64();

    [Fact]
    public async Task A_reply_is_mailed_at_once_to_who_asked_with_its_link_and_the_unsubscribe_link_stops_the_mail()
    {
        await ChatKit.CreateConstitutionAsync(server, "Ada", "mail");
        var section = await ChatKit.SectionIdAsync(server, "mail", "Curiosity");
        var bob = await server.SignedInClientAsync("Bob");
        var carol = await server.SignedInClientAsync("Carol");
        var mailer = server.Services.GetRequiredService<NotificationMailer>();
        var created = await bob.PostAsJsonAsync("/api/constitutions/mail/annotations", new { sectionId = section, exact = "good questions", body = "Which ones?" });
        var thread = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        // Off by default: a reply lands in the inbox and nowhere else.
        Assert.Equal("off", (await bob.GetFromJsonAsync<JsonElement>("/api/inbox/mail")).GetProperty("mode").GetString());
        await carol.PostAsJsonAsync($"/api/annotations/{thread}/replies", new { body = "Before mail was on." });
        await NewestNotificationAsync(bob, 1);

        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PutAsJsonAsync("/api/inbox/mail", new { email = "bob@example.test\r\nBcc: eve@example.test", mode = "immediate" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PutAsJsonAsync("/api/inbox/mail", new { email = "not an address", mode = "immediate" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await bob.PutAsJsonAsync("/api/inbox/mail", new { email = "bob@example.test", mode = "hourly" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.PutAsJsonAsync("/api/inbox/mail", new { email = "bob@example.test", mode = "immediate" })).StatusCode);

        Assert.Equal(HttpStatusCode.Created, (await carol.PostAsJsonAsync($"/api/annotations/{thread}/replies", new { body = "Mailed, this one." })).StatusCode);
        var mail = await sink.Received.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(["bob@example.test"], mail.To);
        Assert.Equal("hub@example.test", mail.From);
        Assert.Equal("Carol replied in a thread you watch on Constitution mail", mail.Header("Subject"));
        Assert.Contains($"https://hub.example.test/c/mail?annotation={thread}", mail.Body);
        Assert.Contains("Mailed, this one.", mail.Body);
        Assert.DoesNotContain("Before mail was on.", mail.Body);
        var unsubscribe = UnsubscribeLink().Match(mail.Body).Value;
        Assert.Equal($"<{unsubscribe}>", mail.Header("List-Unsubscribe"));

        var answer = await server.Client().GetAsync(new Uri(unsubscribe).PathAndQuery);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("off", (await bob.GetFromJsonAsync<JsonElement>("/api/inbox/mail")).GetProperty("mode").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client().GetAsync("/inbox/unsubscribe?token=nope")).StatusCode);

        await carol.PostAsJsonAsync($"/api/annotations/{thread}/replies", new { body = "After unsubscribing." });
        var newest = await NewestNotificationAsync(bob, 3);
        await Eventually.TrueAsync(() => mailer.HandledUpTo("local:bob") >= newest, "the mailer to deal with Bob's newest notification");
        Assert.False(sink.Received.Reader.TryRead(out var extra), $"A mail after unsubscribing: {extra?.Header("Subject")}");
    }

    [GeneratedRegex(@"https://hub\.example\.test/inbox/unsubscribe\?token=[A-Za-z0-9_%-]+")]
    private static partial Regex UnsubscribeLink();
}
