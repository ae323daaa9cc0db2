using System.Collections.Concurrent;
using System.Text;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Watching;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace ConstitutionHub.Web.Features.Inbox;

/// <summary><c>Notifications:Smtp</c>: the server mail goes through. Mail is off for everyone while Host is empty.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 25;
    /// <summary>The sender address, such as <c>ConstitutionHub &lt;hub@example.org&gt;</c>.</summary>
    public string? From { get; set; }
    public string? Username { get; set; }
    public string? Password { get; set; }
    /// <summary>None, StartTls, StartTlsWhenAvailable, SslOnConnect or Auto (MailKit's <see cref="SecureSocketOptions"/>).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.Auto;
}

/// <summary><c>Notifications</c>: links in mail need the site's public address; digests go out once per <see cref="DigestEvery"/>.</summary>
public sealed class MailOptions
{
    public SmtpOptions Smtp { get; set; } = new();
    /// <summary>The public address of the site, such as <c>https://hub.example.org</c>: mail is read outside any request.</summary>
    public string? BaseUrl { get; set; }
    public TimeSpan DigestEvery { get; set; } = TimeSpan.FromDays(1);
    /// <summary>How often digests that are due are looked for.</summary>
    public TimeSpan DigestCheck { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Mails notifications to people who asked for it (<see cref="MailPreferences"/>): at once when their inbox changes
/// (the same announcement as the badge, heard on every node; <see cref="MailPreferences.ClaimAsync"/> makes one node
/// send), or as a digest. What is mailed is what the inbox shows: unread, about documents the person may still read.
/// </summary>
public sealed class NotificationMailer(InboxFeed feed, MailPreferences preferences, NotificationQueries notifications, PeopleDirectory people,
    Microsoft.Extensions.Options.IOptions<MailOptions> options, TimeProvider time, ILogger<NotificationMailer> logger) : BackgroundService
{
    public const int MaxItemsPerMail = 50;

    private readonly MailOptions settings = options.Value;
    private readonly ConcurrentDictionary<string, long> handled = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim one = new(1, 1);

    /// <summary>The newest notification of the person this node has dealt with (mailed, left to another node, or
    /// skipped because mail is off): what a test waits for before it says no mail came.</summary>
    public long HandledUpTo(string personId) => handled.GetValueOrDefault(personId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = feed.SubscribeAll(person => TrySendAsync(person, MailMode.Immediate, stoppingToken));
        using var timer = new PeriodicTimer(settings.DigestCheck, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var person in await preferences.DigestsDueAsync(time.GetUtcNow(), settings.DigestEvery, stoppingToken))
                    await TrySendAsync(person, MailMode.Digest, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A server that refuses one mail must not stop the others (nor, from the digest loop, the host).</summary>
    private async Task TrySendAsync(string personId, MailMode wanted, CancellationToken ct)
    {
        try
        {
            await SendPendingAsync(personId, wanted, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not mail the notifications of {Person}", personId);
        }
    }

    /// <summary>One at a time on this node: a burst of announcements for one person becomes one mail, not several.</summary>
    private async Task SendPendingAsync(string personId, MailMode wanted, CancellationToken ct)
    {
        await one.WaitAsync(ct);
        try
        {
            var mail = await preferences.GetAsync(personId, ct);
            if (mail is null) return;
            var person = await people.ByIdAsync(personId, ct);
            // Site admins are admins by a claim of their sign-in, unknown here: mail shows only what any member sees.
            var actor = new Actor(personId, person?.DisplayName ?? "");
            var pending = (await notifications.ListAsync(actor, unreadOnly: true, limit: MaxItemsPerMail, ct: ct)).Where(n => n.Seq > mail.MailedUpTo).ToList();
            if (pending.Count > 0 && mail.Mode == wanted && await preferences.ClaimAsync(personId, pending.Max(n => n.Seq), time.GetUtcNow(), ct))
                await SendAsync(mail, actor, pending, ct);
            if (pending.Count > 0) handled.AddOrUpdate(personId, pending.Max(n => n.Seq), (_, was) => Math.Max(was, pending.Max(n => n.Seq)));
        }
        finally
        {
            one.Release();
        }
    }

    private async Task SendAsync(MailSettings mail, Actor actor, IReadOnlyList<NotificationRow> items, CancellationToken ct)
    {
        var site = settings.BaseUrl!.TrimEnd('/');
        var unsubscribe = $"{site}/inbox/unsubscribe?token={Uri.EscapeDataString(mail.UnsubscribeToken)}";
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(settings.Smtp.From!));
        message.To.Add(new MailboxAddress(actor.Name, mail.Email));
        var first = items[0];
        message.Subject = items.Count == 1
            ? $"{first.ActorName} {InboxWords.Verb(first.Kind)} {first.Title}"
            : $"{items.Count} new notifications on ConstitutionHub";
        message.Headers.Add("List-Unsubscribe", $"<{unsubscribe}>");
        message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        var body = new StringBuilder();
        foreach (var n in items)
        {
            body.AppendLine($"{n.ActorName} {InboxWords.Verb(n.Kind)} {n.Title}:");
            body.AppendLine($"  {n.Text}");
            body.AppendLine($"  {site}{n.Link}");
            body.AppendLine();
        }
        body.AppendLine($"Your inbox: {site}/inbox");
        body.AppendLine($"Stop these mails: {unsubscribe}");
        message.Body = new TextPart("plain") { Text = body.ToString() };

        using var client = new SmtpClient();
        await client.ConnectAsync(settings.Smtp.Host!, settings.Smtp.Port, settings.Smtp.Security, ct);
        if (!string.IsNullOrEmpty(settings.Smtp.Username)) await client.AuthenticateAsync(settings.Smtp.Username, settings.Smtp.Password ?? "", ct);
        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}

/// <summary>How the inbox and mail describe a notification.</summary>
public static class InboxWords
{
    public static string Verb(NotificationKind kind) => kind switch
    {
        NotificationKind.Reply => "replied in a thread you watch on",
        NotificationKind.Mention => "mentioned you on",
        NotificationKind.Revision => "saved a new revision of",
        _ => "changed the status of a finding on",
    };
}
