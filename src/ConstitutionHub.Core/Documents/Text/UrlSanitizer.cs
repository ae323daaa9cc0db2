using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>
/// Walks a parsed document before rendering and neutralises every URL the <see cref="UrlPolicy"/> refuses:
/// a link with a bad target keeps its label as plain text, an image keeps its alt text, an autolink keeps its
/// address as text. Safe external links get rel="nofollow ugc noopener" (user-generated content).
/// </summary>
internal static class UrlSanitizer
{
    public const string ExternalRel = "nofollow ugc noopener";

    public static void Sanitize(MarkdownDocument document)
    {
        // Autolinks (<https://...>) become ordinary links first: Markdig's autolink renderer writes no custom
        // attributes, and one code path for every link keeps the checks in one place.
        foreach (var autolink in document.Descendants<AutolinkInline>().ToList())
        {
            var url = autolink.IsEmail ? "mailto:" + autolink.Url : autolink.Url;
            var replacement = new LinkInline(url, "") { IsAutoLink = true, Span = autolink.Span };
            replacement.AppendChild(new LiteralInline(autolink.Url));
            autolink.ReplaceBy(replacement);
        }

        foreach (var link in document.Descendants<LinkInline>().ToList())
        {
            // Reference links to headings and footnotes compute their URL at render time; judge that value.
            var url = link.GetDynamicUrl?.Invoke() ?? link.Url;
            var allowed = link.IsImage ? UrlPolicy.IsAllowedImage(url) : UrlPolicy.IsAllowedLink(url);
            if (!allowed)
            {
                Unwrap(link);
            }
            else if (link.IsImage && UrlPolicy.IsExternal(url))
            {
                link.ReplaceBy(RemoteImagePlaceholder(link, url ?? ""), copyChildren: false);
            }
            else if (!link.IsImage && UrlPolicy.IsExternal(url))
            {
                link.GetAttributes().AddPropertyIfNotExist("rel", ExternalRel);
            }
        }

        // Definitions are not rendered themselves (links using them were resolved while parsing and are
        // handled above), but nothing downstream should find a dangerous URL in the tree either.
        foreach (var definition in document.Descendants<LinkReferenceDefinition>())
        {
            if (!UrlPolicy.IsAllowedLink(definition.Url)) definition.Url = "";
        }
    }

    /// <summary>
    /// A remote image is not fetched by the reader's browser on its own: the host would learn every reader's
    /// address and when they read (a tracking pixel). It becomes a link naming the host, which opens the image
    /// only when the reader chooses to; the page's CSP (img-src without https:) backs this up.
    /// </summary>
    private static LinkInline RemoteImagePlaceholder(LinkInline image, string url)
    {
        var alt = string.Concat(image.Descendants<LiteralInline>().Select(l => l.Content.ToString())).Trim();
        var host = Uri.TryCreate(new Uri("https://host.invalid/"), url.Replace('\\', '/'), out var absolute) ? absolute.Host : "another site";
        var placeholder = new LinkInline(url, image.Title ?? "") { Span = image.Span };
        var attributes = placeholder.GetAttributes();
        attributes.AddClass(RemoteImageClass);
        attributes.AddProperty("rel", ExternalRel);
        attributes.AddProperty("data-host", host);
        placeholder.AppendChild(new LiteralInline(alt.Length > 0 ? $"Image from {host} (not loaded): {alt}" : $"Image from {host} (not loaded)"));
        return placeholder;
    }

    public const string RemoteImageClass = "hub-remote-image";

    private static void Unwrap(LinkInline link)
    {
        var child = link.FirstChild;
        while (child is not null)
        {
            var next = child.NextSibling;
            child.Remove();
            link.InsertBefore(child);
            child = next;
        }
        link.Remove();
    }
}
