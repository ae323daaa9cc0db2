using System.Text;
using System.Xml;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.People;
using ConstitutionHub.Core.Watching;
using ConstitutionHub.Web.Features.Accounts;

namespace ConstitutionHub.Web.Features.Inbox;

/// <summary>
/// <c>/c/{slug}/feed.atom</c>: an Atom 1.0 feed of a constitution's revisions, findings and findings' status
/// changes, for feed readers. Who may read it is the document's rule (<see cref="DocumentAccess"/>): public and
/// unlisted ones by anyone with the link; a private one only with a personal access token of a member that has the
/// <c>read</c> scope, as <c>?token=</c> (feed readers send no cookies or headers), or in a signed-in browser. Anything
/// else answers 404, as for a missing constitution, so a private one's existence does not leak.
/// </summary>
public static class AtomFeed
{
    private const string AtomNamespace = "http://www.w3.org/2005/Atom";

    public static IEndpointRouteBuilder MapAtomFeed(this IEndpointRouteBuilder app)
    {
        app.MapGet("/c/{slug}/feed.atom", Feed);
        return app;
    }

    private static async Task<IResult> Feed(HttpContext http, ConstitutionQueries constitutions, FeedQueries feeds, AccessTokens tokens, string slug,
        string? token)
    {
        var viewer = AccountsSetup.ToActor(http.User);
        if (token is not null)
        {
            var holder = token.Length <= 200 ? await tokens.CheckAsync(token) : null;
            if (holder is null || !holder.Scopes.Contains(TokenScopes.Read))
                return Results.Problem(statusCode: 401, title: "Invalid token", detail: "The token is unknown, expired, revoked or lacks the read scope.");
            viewer = new Actor(holder.PersonId, holder.DisplayName);
        }
        var row = await constitutions.BySlugAsync(slug);
        if (row is null || !DocumentAccess.CanRead(row, viewer)) return Results.Problem(statusCode: 404, title: "Not found", detail: "No such constitution.");

        var entries = await feeds.EntriesAsync(row.Id);
        var site = $"{http.Request.Scheme}://{http.Request.Host}";
        http.Response.Headers.CacheControl = row.Visibility == Visibility.Private ? "private, no-store" : "public, max-age=60";
        return Results.Text(Write(row, entries, site), "application/atom+xml; charset=utf-8", Encoding.UTF8);
    }

    /// <summary>The feed document. Ids are <c>urn:uuid:</c> names that never change for the same entry.</summary>
    public static string Write(ConstitutionRow row, IReadOnlyList<FeedEntry> entries, string site)
    {
        var text = new StringBuilder();
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { Indent = true, Encoding = Encoding.UTF8 }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("feed", AtomNamespace);
            xml.WriteElementString("id", AtomNamespace, $"urn:uuid:{row.Id}");
            xml.WriteElementString("title", AtomNamespace, row.Title);
            if (row.Summary.Length > 0) xml.WriteElementString("subtitle", AtomNamespace, row.Summary);
            xml.WriteElementString("updated", AtomNamespace, Date(entries.Count > 0 ? Max(entries[0].At, row.Updated) : row.Updated));
            Link(xml, "self", $"{site}/c/{row.Slug}/feed.atom");
            Link(xml, "alternate", $"{site}/c/{row.Slug}");
            xml.WriteStartElement("author", AtomNamespace);
            xml.WriteElementString("name", AtomNamespace, row.OwnerName);
            xml.WriteEndElement();
            xml.WriteElementString("generator", AtomNamespace, "ConstitutionHub");
            foreach (var entry in entries) Entry(xml, row, entry, site);
            xml.WriteEndElement();
        }
        return text.ToString();
    }

    private static void Entry(XmlWriter xml, ConstitutionRow row, FeedEntry e, string site)
    {
        var (title, link) = e.Kind switch
        {
            FeedEntryKind.Revision => ($"r{e.Revision}: {(e.Title.Length > 0 ? e.Title : "(no summary)")}",
                e.Revision > 1 ? $"{site}/c/{row.Slug}/diff?from={e.Revision - 1}&to={e.Revision}" : $"{site}/c/{row.Slug}/r/{e.Revision}"),
            FeedEntryKind.Finding => ($"New finding: {e.Title}", $"{site}/c/{row.Slug}?annotation={e.AnnotationId}"),
            _ => ($"Finding {e.Title}: {e.Text.Split(':')[0]}", $"{site}/c/{row.Slug}?annotation={e.AnnotationId}"),
        };
        xml.WriteStartElement("entry", AtomNamespace);
        xml.WriteElementString("id", AtomNamespace, $"urn:uuid:{e.Id}");
        xml.WriteElementString("title", AtomNamespace, title);
        xml.WriteElementString("updated", AtomNamespace, Date(e.At));
        xml.WriteElementString("published", AtomNamespace, Date(e.At));
        xml.WriteStartElement("author", AtomNamespace);
        xml.WriteElementString("name", AtomNamespace, e.AuthorName);
        xml.WriteEndElement();
        Link(xml, "alternate", link);
        xml.WriteStartElement("category", AtomNamespace);
        xml.WriteAttributeString("term", e.Kind.ToString().ToLowerInvariant());
        xml.WriteEndElement();
        // Plain text: comments are Markdown, and a feed reader renders no sanitised HTML of ours.
        if (e.Text.Length > 0) xml.WriteElementString("summary", AtomNamespace, NotificationProjection.Excerpt(e.Text));
        xml.WriteEndElement();
    }

    private static void Link(XmlWriter xml, string rel, string href)
    {
        xml.WriteStartElement("link", AtomNamespace);
        xml.WriteAttributeString("rel", rel);
        xml.WriteAttributeString("href", href);
        xml.WriteEndElement();
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    /// <summary>RFC 3339 in UTC, as Atom requires.</summary>
    private static string Date(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
