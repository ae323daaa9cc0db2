using System.Security.Cryptography;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Features.Accounts;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>
/// Share links over plain HTTP: creating and revoking them (forms with antiforgery, so they work without a
/// circuit) and the public side under /s/. Every way a token can fail gives the same 404.
/// </summary>
public static class ShareEndpoints
{
    public static readonly IReadOnlyDictionary<string, TimeSpan?> Expiries = new Dictionary<string, TimeSpan?>
    {
        ["1h"] = TimeSpan.FromHours(1), ["1d"] = TimeSpan.FromDays(1), ["7d"] = TimeSpan.FromDays(7), ["30d"] = TimeSpan.FromDays(30),
        ["never"] = null,
    };

    private const string CreatedPurpose = "ConstitutionHub.Sharing.CreatedLink";

    public static IEndpointRouteBuilder MapShareEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/shares/create", Create).DisableAntiforgery();
        app.MapPost("/shares/{id:guid}/revoke", Revoke).DisableAntiforgery();

        var open = app.MapGroup("/s").RequireRateLimiting(SharingSetup.RatePolicy).DisableAntiforgery();
        open.MapGet("/{file}", Open);
        open.MapGet("/{token}/preview.png", Preview);
        open.MapPost("/{token}/copy", Copy);
        return app;
    }

    /// <summary>
    /// A well-formed token to look up in place of a malformed one: every failing request costs one lookup, so the
    /// time taken does not tell a malformed token from one that was revoked.
    /// </summary>
    public static string UniformToken(string? token) =>
        token is { Length: ShareLinks.TokenLength } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? token
            : Convert.ToBase64String(RandomNumberGenerator.GetBytes(ShareLinks.TokenBytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static IResult NotFound() => Results.Content(SharePages.NotFound, SharePages.ContentType, statusCode: StatusCodes.Status404NotFound);

    private static async Task<IResult> Open(string file, HttpContext context, ShareLinks links, ExperimentShareLinks experimentLinks,
        IAntiforgery antiforgery)
    {
        var (token, format) = file switch
        {
            _ when file.EndsWith(".json", StringComparison.Ordinal) => (file[..^5], "json"),
            _ when file.EndsWith(".md", StringComparison.Ordinal) => (file[..^3], "md"),
            _ => (file, "html"),
        };
        var uniform = UniformToken(token);
        var shared = await links.OpenAsync(uniform, context.RequestAborted);
        // Every token that opens no chat is looked up as an experiment link too, so each failure costs the same two lookups.
        if (shared is null) return await OpenExperimentAsync(uniform, token, format, context, experimentLinks);
        context.Response.Headers.CacheControl = "private, no-store";
        switch (format)
        {
            case "json":
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"chat-{shared.Thread.Chat.Id:N}.json\"";
                return Results.Content(ChatExport.Json(shared.Thread), "application/json; charset=utf-8");
            case "md":
                context.Response.Headers.ContentDisposition = $"attachment; filename=\"chat-{shared.Thread.Chat.Id:N}.md\"";
                return Results.Content(ChatExport.Markdown(shared.Thread), "text/markdown; charset=utf-8");
        }
        // A signed-in reader may continue the chat as a copy: the form needs its antiforgery token.
        var copyForm = AccountsSetup.ToActor(context.User) is not null ? antiforgery.GetAndStoreTokens(context) : null;
        var request = context.Request;
        var html = await SharePages.ChatAsync(context.RequestServices, shared, token, $"{request.Scheme}://{request.Host}", copyForm);
        return Results.Content(html, SharePages.ContentType);
    }

    /// <summary>
    /// An experiment's public page (HTML only: its data is the page; the run's own exports stay with its readers).
    /// <c>?page=</c> pages through the items; a page that is not a number in range is a 400, after the token was found good.
    /// </summary>
    private static async Task<IResult> OpenExperimentAsync(string uniform, string token, string format, HttpContext context, ExperimentShareLinks links)
    {
        var share = await links.ResolveAsync(uniform, context.RequestAborted);
        if (share is null || format != "html") return NotFound();
        var pageText = context.Request.Query["page"].ToString();
        var page = 1;
        if (pageText.Length > 0 && (pageText.Length > 6 || !int.TryParse(pageText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out page)))
            return Results.Problem(statusCode: 400, title: "Invalid request", detail: "page is a whole number from 1.");
        SharedExperiment? shared;
        try
        {
            shared = await links.OpenAsync(uniform, page, context.RequestAborted);
        }
        catch (ValidationException e)
        {
            return Results.Problem(statusCode: 400, title: "Invalid request", detail: e.Message);
        }
        if (shared is null) return NotFound();
        context.Response.Headers.CacheControl = "private, no-store";
        var request = context.Request;
        return Results.Content(await SharePages.ExperimentAsync(context.RequestServices, shared, token, $"{request.Scheme}://{request.Host}"),
            SharePages.ContentType);
    }

    private static async Task<IResult> Preview(string token, HttpContext context, ShareLinks links, ExperimentShareLinks experimentLinks,
        SharePreview preview, Infrastructure.SvgRaster raster)
    {
        var uniform = UniformToken(token);
        var shared = await links.OpenAsync(uniform, context.RequestAborted);
        if (shared is null)
        {
            // An experiment's preview is its ratings chart; one with nothing rated yet has none.
            var experiment = await experimentLinks.OpenAsync(uniform, ct: context.RequestAborted);
            var ratings = experiment?.Judge ?? experiment?.People?.Ratings;
            if (ratings is not { Votes: > 0 }) return NotFound();
            var chart = await raster.PngAsync(Experiments.ExperimentCharts.Ratings(ratings, hideArms: false), null, null, context.RequestAborted);
            context.Response.Headers.CacheControl = "private, max-age=300";
            return Results.Bytes(chart, "image/png");
        }
        var png = await preview.PngAsync(shared, context.RequestAborted);
        context.Response.Headers.CacheControl = "private, max-age=300";
        return Results.Bytes(png, "image/png");
    }

    private static async Task<IResult> Copy(string token, HttpContext context, ShareLinks links, ChatCommands commands, IAntiforgery antiforgery)
    {
        var actor = AccountsSetup.ToActor(context.User);
        if (actor is null) return Results.Redirect($"/signin?returnUrl={Uri.EscapeDataString($"/s/{token}")}");
        if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest("The form expired; reload the page and try again.");
        var shared = await links.OpenAsync(UniformToken(token), context.RequestAborted);
        if (shared is null) return NotFound();
        try
        {
            var copy = await commands.CopyAsync(actor, shared.Thread, Guid.NewGuid(), context.RequestAborted);
            return Results.Redirect($"/chats/{copy.Id}");
        }
        catch (NotFoundException)
        {
            // The reader may not read the constitution behind the chat: compiling its prompt for them would reveal it.
            return Results.Content("This chat tests a constitution you cannot read, so it cannot be continued as a copy.",
                "text/plain; charset=utf-8", statusCode: StatusCodes.Status403Forbidden);
        }
    }

    /// <summary>Creates a link from the share form. A browser is sent to /shares, which shows the new link once; a
    /// script asking for JSON gets the link itself.</summary>
    private static async Task<IResult> Create(HttpContext context, ShareLinks links, IAntiforgery antiforgery, IDataProtectionProvider protection,
        TimeProvider time)
    {
        var actor = AccountsSetup.ToActor(context.User);
        if (actor is null) return Results.Unauthorized();
        if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest("The form expired; reload the page and try again.");
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (!Guid.TryParse(form["chatId"], out var chatId)) return Problem("chatId", "Name the chat to share.");
        ShareMode? mode = form["mode"].ToString() switch { "snapshot" => ShareMode.Snapshot, "live" => ShareMode.Live, _ => null };
        if (mode is null) return Problem("mode", "Choose 'snapshot' (frozen now) or 'live' (follows the chat).");
        var expiryKey = string.IsNullOrEmpty(form["expires"]) ? "never" : form["expires"].ToString();
        if (!Expiries.TryGetValue(expiryKey, out var lifetime)) return Problem("expires", "Choose an expiry of 1h, 1d, 7d, 30d or never.");
        var hide = form["hideSystemPrompt"].ToString() is "on" or "true";
        CreatedShare created;
        try
        {
            created = await links.CreateAsync(actor, chatId, mode.Value, lifetime is { } l ? time.GetUtcNow() + l : null, hide,
                ct: context.RequestAborted);
        }
        catch (ValidationException e)
        {
            return Problem(e.Field, e.Message);
        }
        catch (Exception e) when (e is NotFoundException or ForbiddenException)
        {
            return Results.NotFound(new { error = "No such chat of yours." });
        }
        var url = $"{context.Request.Scheme}://{context.Request.Host}/s/{created.Token}";
        if (context.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal))
            return Results.Json(new { id = created.Link.Id, token = created.Token, url }, statusCode: StatusCodes.Status201Created);
        // The token is shown once, on /shares; it travels there encrypted and only for a few minutes.
        var sealedToken = protection.CreateProtector(CreatedPurpose).ToTimeLimitedDataProtector()
            .Protect(created.Token, TimeSpan.FromMinutes(5));
        return Results.Redirect($"/shares?created={Uri.EscapeDataString(sealedToken)}");
    }

    /// <summary>The token sealed by <see cref="Create"/>, or null when it is not ours or too old.</summary>
    public static string? OpenCreatedToken(IDataProtectionProvider protection, string? sealedToken)
    {
        if (string.IsNullOrEmpty(sealedToken)) return null;
        try
        {
            return protection.CreateProtector(CreatedPurpose).ToTimeLimitedDataProtector().Unprotect(sealedToken);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static async Task<IResult> Revoke(Guid id, HttpContext context, ShareLinks links, ShareBroadcaster broadcaster, IAntiforgery antiforgery)
    {
        var actor = AccountsSetup.ToActor(context.User);
        if (actor is null) return Results.Unauthorized();
        if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest("The form expired; reload the page and try again.");
        try
        {
            await links.RevokeAsync(actor, id, context.RequestAborted);
        }
        catch (NotFoundException)
        {
            return Results.NotFound(new { error = "No such share link of yours." });
        }
        // Viewers on this node lose the link at once; other nodes hear of it through the revocation event's commit notice.
        await broadcaster.EndAsync(id);
        return context.Request.Headers.Accept.ToString().Contains("application/json", StringComparison.Ordinal)
            ? Results.NoContent()
            : Results.Redirect("/shares?revoked=1");
    }

    private static IResult Problem(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}
