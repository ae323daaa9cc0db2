using System.Net;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>
/// Allow-list for URLs in rendered documents: http, https, mailto (links only) and relative URLs.
/// The scheme is read the way browsers read it (WHATWG URL standard, "basic URL parser"): leading and trailing
/// C0 controls and spaces are stripped, tabs and newlines are removed anywhere, and the scheme is an ASCII letter
/// followed by letters, digits, '+', '-' or '.' up to the first ':', compared case-insensitively. So
/// " JaVa&#09;Script:" and "java\tscript:" are seen as the javascript: scheme they become in a browser.
/// </summary>
public static class UrlPolicy
{
    /// <summary>May this URL be the target of a link?</summary>
    public static bool IsAllowedLink(string? url) => Classify(url) is UrlKind.Relative or UrlKind.Web or UrlKind.Mail;

    /// <summary>May this URL be the source of an image? (no mailto:)</summary>
    public static bool IsAllowedImage(string? url) => Classify(url) is UrlKind.Relative or UrlKind.Web;

    /// <summary>
    /// Does the URL leave the site? True for http(s) URLs and for protocol-relative ones ("//host/..." and the
    /// backslash forms browsers treat the same way, "\\host" and "/\host"): those are allowed, because they can
    /// only resolve to the page's own http(s) scheme, but a check like "starts with /" would wrongly call them
    /// internal, so they get the external-link rel attribute too.
    /// </summary>
    public static bool IsExternal(string? url) => Classify(url) == UrlKind.Web;

    internal static UrlKind Classify(string? url)
    {
        var cleaned = StripLikeBrowser(url ?? "");
        if (HasControlCharacter(cleaned)) return UrlKind.Blocked;

        var scheme = SchemeOf(cleaned);
        if (scheme is not null) return KindOfScheme(scheme);
        if (IsProtocolRelative(cleaned)) return UrlKind.Web;

        // Defence in depth for consumers that decode before parsing (old browsers, mail clients, copy-paste):
        // a relative URL whose entity- or percent-decoded form carries a scheme is refused outright.
        var decoded = cleaned;
        for (var round = 0; round < 3; round++)
        {
            var next = StripLikeBrowser(WebUtility.UrlDecode(WebUtility.HtmlDecode(decoded)));
            if (next == decoded) break;
            decoded = next;
            if (HasControlCharacter(decoded) || SchemeOf(decoded) is not null) return UrlKind.Blocked;
        }
        return UrlKind.Relative;
    }

    private static UrlKind KindOfScheme(string scheme) => scheme switch
    {
        "http" or "https" => UrlKind.Web,
        "mailto" => UrlKind.Mail,
        _ => UrlKind.Blocked,
    };

    private static string StripLikeBrowser(string url)
    {
        var trimmed = url.AsSpan().Trim(ControlsAndSpace);
        if (trimmed.IndexOfAny('\t', '\n', '\r') < 0) return trimmed.ToString();
        var builder = new System.Text.StringBuilder(trimmed.Length);
        foreach (var c in trimmed)
        {
            if (c is not ('\t' or '\n' or '\r')) builder.Append(c);
        }
        return builder.ToString();
    }

    private static readonly char[] ControlsAndSpace = Enumerable.Range(0, 0x21).Select(i => (char)i).ToArray();

    private static bool HasControlCharacter(string url)
    {
        foreach (var c in url)
        {
            if (c < 0x20 || c == 0x7F) return true;
        }
        return false;
    }

    private static string? SchemeOf(string url)
    {
        if (url.Length == 0 || !char.IsAsciiLetter(url[0])) return null;
        var i = 1;
        while (i < url.Length && (char.IsAsciiLetterOrDigit(url[i]) || url[i] is '+' or '-' or '.')) i++;
        return i < url.Length && url[i] == ':' ? url[..i].ToLowerInvariant() : null;
    }

    private static bool IsProtocolRelative(string url) =>
        url.Length >= 2 && url[0] is '/' or '\\' && url[1] is '/' or '\\';
}

internal enum UrlKind
{
    Blocked,
    Relative,
    Web,
    Mail,
}
