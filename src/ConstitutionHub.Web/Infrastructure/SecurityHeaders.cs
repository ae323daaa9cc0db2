namespace ConstitutionHub.Web.Infrastructure;

public static class SecurityHeaders
{
    /// <summary>
    /// Defence in depth behind the inert Markdown renderer: no inline scripts, no plugins, no framing.
    /// Blazor needs 'unsafe-eval'-free scripts from self and a WebSocket back to self.
    /// </summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var headers = context.Response.Headers;
        headers["X-Content-Type-Options"] = "nosniff";
        headers["X-Frame-Options"] = "DENY";
        headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
        headers["Content-Security-Policy"] =
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; " +
            "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";
        if (context.Request.Path.StartsWithSegments("/s"))
        {
            // Public share pages: kept out of search engines, the token never leaves in a Referer, and nothing but our
            // own script, styles and images (no inline styles either: the page has none).
            headers["X-Robots-Tag"] = "noindex, nofollow";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Content-Security-Policy"] =
                "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; " +
                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        }
        await next();
    });
}
