namespace ConstitutionHub.Web.Features.Accounts;

/// <summary>
/// Where to go after signing in or out. Only a path on this site is accepted, decided by parsing rather than by
/// looking at the first characters: browsers drop tabs and newlines inside URLs and read a backslash as a slash, so
/// <c>/\t/evil.example</c> or <c>/\evil.example</c> leave the site. Anything doubtful becomes <c>/</c>.
/// </summary>
public static class ReturnUrls
{
    public const int MaxLength = 2048;
    private static readonly Uri Origin = new("https://hub.invalid/");

    public static string Safe(string? url)
    {
        if (string.IsNullOrEmpty(url) || url.Length > MaxLength || url[0] != '/') return "/";
        foreach (var c in url)
        {
            // Control characters and white space (browsers strip some of them), backslashes (read as slashes).
            if (char.IsControl(c) || char.IsWhiteSpace(c) || c == '\\' || char.IsSurrogate(c) || c is '\u2028' or '\u2029') return "/";
        }
        if (url.Length > 1 && url[1] == '/') return "/";
        // Decoded again (and again: %252F), a path must still not open with two slashes nor hold a backslash or a
        // control character: some proxies and frameworks decode %2F and %5C.
        var decoded = url;
        for (var round = 0; round < 3; round++)
        {
            var next = Uri.UnescapeDataString(decoded);
            if (next.Length > 1 && (next[1] is '/' or '\\')) return "/";
            if (next.Any(c => char.IsControl(c) || c == '\\')) return "/";
            if (next == decoded) break;
            decoded = next;
        }
        // Resolved against an origin, the result must keep that origin.
        if (!Uri.TryCreate(Origin, url, out var resolved) || resolved.Scheme != Origin.Scheme || resolved.Authority != Origin.Authority) return "/";
        return resolved.PathAndQuery + resolved.Fragment;
    }
}
