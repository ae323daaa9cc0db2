using ConstitutionHub.Core.Watching;
using ConstitutionHub.Web.Infrastructure.Nodes;

namespace ConstitutionHub.Web.Features.Inbox;

public static class InboxSetup
{
    /// <summary>Watches, the inbox and its live badge. The notifications themselves are an async projection
    /// (<see cref="NotificationProjection"/>), run by the daemon with the others.</summary>
    public static WebApplicationBuilder AddInbox(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<WatchCommands>();
        services.AddSingleton<NotificationQueries>();
        services.AddSingleton<FeedQueries>();
        services.AddNodeChannel(InboxFeed.Channel);
        services.AddSingleton<InboxFeed>();
        services.AddSingleton<MailPreferences>();
        AddMail(builder);
        return builder;
    }

    /// <summary>E-mail, when <c>Notifications:Smtp:Host</c> is set; then From and BaseUrl are required.</summary>
    private static void AddMail(WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection("Notifications");
        builder.Services.Configure<MailOptions>(section);
        var mail = section.Get<MailOptions>() ?? new MailOptions();
        if (string.IsNullOrWhiteSpace(mail.Smtp.Host)) return;
        if (string.IsNullOrWhiteSpace(mail.Smtp.From) || !MimeKit.MailboxAddress.TryParse(mail.Smtp.From, out _))
            throw new InvalidOperationException("Notifications:Smtp:From must be a sender address (such as hub@example.org) when Notifications:Smtp:Host is set.");
        if (!Uri.TryCreate(mail.BaseUrl, UriKind.Absolute, out var site) || site.Scheme is not ("http" or "https"))
            throw new InvalidOperationException("Notifications:BaseUrl must be the site's public address (such as https://hub.example.org) when Notifications:Smtp:Host is set.");
        builder.Services.AddSingleton<NotificationMailer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<NotificationMailer>());
    }
}
