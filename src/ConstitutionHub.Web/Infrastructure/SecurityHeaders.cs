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
        await next();
    });
}
