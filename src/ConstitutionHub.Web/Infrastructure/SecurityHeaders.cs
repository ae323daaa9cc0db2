using System.Security.Cryptography;

namespace ConstitutionHub.Web.Infrastructure;

public static class SecurityHeaders
{
    private const string StyleNonceKey = "hub.style-nonce";

    /// <summary>
    /// This response's nonce for style elements that scripts write (CodeMirror's editor styles, which change with the
    /// theme and the document, so no hash can name them). App.razor hands it to the page in a meta element; a page
    /// navigated to on the circuit keeps its first document and so that document's policy and nonce.
    /// </summary>
    public static string? StyleNonce(HttpContext context) => context.Items[StyleNonceKey] as string;

    /// <summary>
    /// Defence in depth behind the inert Markdown renderer: no inline scripts, no plugins, no framing.
    /// Blazor needs 'unsafe-eval'-free scripts from self and a WebSocket back to self. Style elements: our own files
    /// and the two blocks MudThemeProvider writes (by hash, <see cref="ThemeStyleHashes"/>); style attributes, which
    /// MudBlazor's components set for sizes and positions, are allowed on their own (style-src-attr), and only those.
    /// Style elements written by our own scripts carry the response's nonce (<see cref="StyleNonce"/>).
    /// </summary>
    /// <summary>Features no page of ours uses, off for every frame: a script smuggled into a document gets none of them.</summary>
    public const string PermissionsPolicy =
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), hid=(), midi=(), " +
        "magnetometer=(), gyroscope=(), accelerometer=(), display-capture=(), screen-wake-lock=(), browsing-topics=()";

    /// <summary>Outside Development every cookie (antiforgery, OpenID Connect correlation and nonce, sign-in) is sent
    /// over HTTPS only; the app is meant to run behind TLS there (infra/nginx.conf), with HSTS.</summary>
    public static WebApplicationBuilder AddSecurityHeaders(this WebApplicationBuilder builder)
    {
        if (!builder.Environment.IsDevelopment())
            builder.Services.Configure<CookiePolicyOptions>(options => options.Secure = CookieSecurePolicy.Always);
        return builder;
    }

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        app.UseCookiePolicy();
        var themeStyles = new Lazy<Task<string>>(() => ThemeStyleHashes.SourcesAsync(app.ApplicationServices));
        return app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            context.Items[StyleNonceKey] = nonce;
            headers["X-Content-Type-Options"] = "nosniff";
            headers["X-Frame-Options"] = "DENY";
            headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            headers["Permissions-Policy"] = PermissionsPolicy;
            // img-src has no https:: documents' remote images are click-to-load (InertMarkdown), so a reader's address
            // reaches another host only when they ask. connect-src 'self' covers the circuit's WebSocket to this origin.
            headers["Content-Security-Policy"] =
                $"default-src 'self'; script-src 'self'; style-src 'self' {await themeStyles.Value} 'nonce-{nonce}'; style-src-attr 'unsafe-inline'; " +
                "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";
            // API answers carry private data (private documents, chats, tokens): no shared cache keeps them, no browser
            // stores them. An endpoint may still set its own policy.
            if (context.Request.Path.StartsWithSegments("/api") || context.Request.Path.StartsWithSegments("/v1"))
                headers.CacheControl = "private, no-store";
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
}
