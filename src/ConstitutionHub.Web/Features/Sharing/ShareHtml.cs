using System.Globalization;
using System.Net;
using System.Text;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.Sharing;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>
/// The public share page, written as plain HTML: it reads without JavaScript, has no Blazor circuit and loads two
/// style sheets and one small script. Message Markdown goes through the inert <see cref="MarkdownRenderer"/>;
/// everything else is HTML-encoded here.
/// </summary>
public static class ShareHtml
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="baseUrl">scheme://host of this request, for the absolute URLs link previews need.</param>
    /// <param name="copyForm">The "Continue as a copy" form's antiforgery field, for a signed-in reader; null hides it.</param>
    public static string Page(SharedChat shared, string token, string baseUrl, string? copyForm)
    {
        var thread = shared.Thread;
        var p = thread.Provenance;
        var live = shared.Share.Mode == ShareMode.Live;
        var title = thread.Chat.Title;
        var description = Description(thread);
        var url = $"{baseUrl}/s/{token}";
        var h = new StringBuilder(16_384);
        Head(h, title, "chat", description, url, preview: (SharePreview.Width, SharePreview.Height), script: "/dist/share-live.js");


        h.Append("<main class=\"share\" data-share data-token=\"").Append(E(token)).Append("\" data-mode=\"").Append(live ? "live" : "snapshot")
            .Append(Invariant, $"\" data-seq=\"{thread.Chat.StreamVersion}\">\n");
        h.Append("<header class=\"share-head\">\n<p class=\"share-kicker\">")
            .Append(Kicker(live, "chat")).Append("</p>\n")
            .Append("<h1 class=\"share-title\">").Append(E(title)).Append("</h1>\n")
            .Append("<p class=\"share-meta\">Tested against <a href=\"/c/").Append(Uri.EscapeDataString(p.Slug)).Append("/r/")
            .Append(p.Revision.ToString(Invariant)).Append("\">").Append(E(p.Slug)).Append(", revision ").Append(p.Revision.ToString(Invariant))
            .Append("</a> with <strong>").Append(E(p.Model.Id)).Append("</strong> · started by ").Append(E(thread.Chat.OwnerName))
            .Append(" · <time datetime=\"").Append(thread.Chat.Created.ToString("O", Invariant)).Append("\">")
            .Append(thread.Chat.Created.ToString("d MMMM yyyy", Invariant)).Append("</time></p>\n");
        if (live)
            h.Append("<p class=\"share-live-status\" data-live-status>Following the chat as it is written.")
                .Append(" <span data-viewers-line hidden><span data-viewers>1</span> watching</span></p>\n");
        else if (shared.Share.SnapshotMessageId is not null)
            h.Append("<p class=\"share-live-status\">Frozen at the moment it was shared; later turns are not shown.</p>\n");

        h.Append("<div class=\"share-actions\" role=\"group\" aria-label=\"Share actions\">\n")
            .Append("<button type=\"button\" class=\"hub-btn\" data-copy-link hidden>Copy link</button>\n")
            .Append("<button type=\"button\" class=\"hub-btn\" data-copy-markdown hidden>Copy as Markdown</button>\n")
            .Append("<a class=\"hub-btn\" href=\"/s/").Append(E(token)).Append(".json\" download>Download JSON</a>\n")
            .Append("<a class=\"hub-btn\" href=\"/s/").Append(E(token)).Append(".md\" download>Download Markdown</a>\n");
        if (copyForm is not null)
            h.Append("<form method=\"post\" action=\"/s/").Append(E(token)).Append("/copy\" class=\"hub-inline-form\">").Append(copyForm)
                .Append("<button type=\"submit\" class=\"hub-btn hub-btn-primary\">Continue as a copy</button></form>\n");
        else
            h.Append("<a class=\"hub-btn\" href=\"/signin?returnUrl=").Append(Uri.EscapeDataString($"/s/{token}"))
                .Append("\">Sign in to continue as a copy</a>\n");
        h.Append("<span class=\"share-copied\" data-copied role=\"status\" aria-live=\"polite\"></span>\n</div>\n</header>\n");

        if (thread.SystemPromptHidden)
            h.Append("<p class=\"share-prompt-hidden\">The person who shared this chat hid its system prompt. Its hash: <code>")
                .Append(E(p.PromptHash)).Append("</code></p>\n");
        else
            h.Append("<details class=\"share-prompt\"><summary>System prompt <span class=\"share-muted\">compiled from ").Append(E(p.Slug))
                .Append(", revision ").Append(p.Revision.ToString(Invariant)).Append("</span></summary>\n<pre class=\"share-prompt-text\">")
                .Append(E(p.SystemPrompt)).Append("</pre></details>\n");

        h.Append("<ol class=\"share-thread\" data-thread aria-label=\"Conversation\">\n");
        foreach (var m in thread.Branch) Message(h, thread, m);
        h.Append("</ol>\n");
        if (thread.Branch.Count == 0) h.Append("<p class=\"share-muted\" data-empty>Nothing has been said yet.</p>\n");

        Provenance(h, thread);
        h.Append("<footer class=\"share-foot\">Shared from <a href=\"/\">ConstitutionHub</a>, where constitutions for language models are written and tested together.")
            .Append(shared.Share.Expires is { } exp ? $" This link works until {exp.UtcDateTime.ToString("d MMMM yyyy HH:mm", Invariant)} UTC." : "")
            .Append("</footer>\n</main>\n</body>\n</html>\n");
        return h.ToString();
    }

    /// <summary>Every unknown, revoked, expired or malformed link gets exactly these bytes.</summary>
    public const string NotFoundPage = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex, nofollow">
        <title>Link not found · ConstitutionHub</title>
        <link rel="stylesheet" href="/css/site.css">
        </head>
        <body class="share-body-page">
        <main class="share share-gone">
        <h1 class="share-title">This link does not exist or no longer works</h1>
        <p>It may have been mistyped, revoked by the person who shared it, or it may have expired.</p>
        <p><a href="/">Go to ConstitutionHub</a></p>
        </main>
        </body>
        </html>

        """;

    /// <summary>The document head every public share page has: no indexing, no referrer, link-preview tags (Open
    /// Graph and Twitter, with the preview image when there is one), the app's stylesheet and, for live pages, their
    /// one script. <paramref name="kind"/> names what is shared ("chat", "experiment").</summary>
    public static void Head(StringBuilder h, string title, string kind, string description, string url,
        (int Width, int Height)? preview, string? script = null, bool image = true)
    {
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"robots\" content=\"noindex, nofollow\">\n<meta name=\"referrer\" content=\"no-referrer\">\n")
            .Append("<title>").Append(E(title)).Append(" · shared ").Append(kind).Append(" · ConstitutionHub</title>\n")
            .Append("<meta name=\"description\" content=\"").Append(E(description)).Append("\">\n")
            .Append("<meta property=\"og:type\" content=\"article\">\n<meta property=\"og:site_name\" content=\"ConstitutionHub\">\n")
            .Append("<meta property=\"og:title\" content=\"").Append(E(title)).Append("\">\n")
            .Append("<meta property=\"og:description\" content=\"").Append(E(description)).Append("\">\n")
            .Append("<meta property=\"og:url\" content=\"").Append(E(url)).Append("\">\n");
        if (image)
        {
            h.Append("<meta property=\"og:image\" content=\"").Append(E(url)).Append("/preview.png\">\n")
                .Append("<meta property=\"og:image:type\" content=\"image/png\">\n");
            if (preview is { } size)
                h.Append(Invariant, $"<meta property=\"og:image:width\" content=\"{size.Width}\">\n")
                    .Append(Invariant, $"<meta property=\"og:image:height\" content=\"{size.Height}\">\n");
            h.Append("<meta name=\"twitter:card\" content=\"summary_large_image\">\n")
                .Append("<meta name=\"twitter:image\" content=\"").Append(E(url)).Append("/preview.png\">\n");
        }
        h.Append("<meta name=\"twitter:title\" content=\"").Append(E(title)).Append("\">\n")
            .Append("<meta name=\"twitter:description\" content=\"").Append(E(description)).Append("\">\n")
            .Append("<link rel=\"stylesheet\" href=\"/css/site.css\">\n")
            .Append("<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\n");
        if (script is not null) h.Append("<script type=\"module\" src=\"").Append(script).Append("\"></script>\n");
        h.Append("</head>\n<body class=\"share-body-page\">\n");
    }

    /// <summary>The line above a share page's title: live or snapshot, and what it is.</summary>
    public static string Kicker(bool live, string kind) =>
        (live ? "<span class=\"share-badge share-badge-live\">Live</span>" : "<span class=\"share-badge\">Snapshot</span>")
        + $" Shared {kind} from <a href=\"/\">ConstitutionHub</a>";

    public static void Message(StringBuilder h, ChatThread thread, ChatMessageRow m)
    {
        var role = m.Role == ChatRole.User ? "user" : "assistant";
        var status = m.Status.ToString().ToLowerInvariant();
        h.Append("<li class=\"share-msg share-").Append(role).Append("\" data-message-id=\"").Append(m.Id.ToString())
            .Append("\" data-role=\"").Append(role).Append("\" data-status=\"").Append(status)
            .Append(Invariant, $"\" data-length=\"{m.Text.Length}\">\n")
            .Append("<div class=\"share-speaker\">").Append(E(Speaker(thread, m)));
        if (m.Status == MessageStatus.Streaming) h.Append(" <span class=\"share-typing\">writing…</span>");
        else if (m.Status is MessageStatus.Failed or MessageStatus.Interrupted)
            h.Append(" <span class=\"share-flag\">").Append(status).Append("</span>");
        h.Append("</div>\n<div class=\"share-text\" data-text>");
        // While a reply streams its Markdown is unfinished (an open code fence would swallow the rest), so it shows as
        // plain text and is rendered once complete.
        if (m.Status == MessageStatus.Streaming) h.Append("<p class=\"share-plain\" data-plain>").Append(E(m.Text)).Append("</p>");
        else h.Append(MessageHtml(m.Text));
        h.Append("</div>\n");
        if (m.Role == ChatRole.Assistant && m.Status != MessageStatus.Streaming) h.Append("<p class=\"share-stats\">").Append(E(Stats(m, thread.ProvenanceOf(m).Sampling))).Append("</p>\n");
        if (m.Provenance is { } own)
            h.Append("<p class=\"share-note\">This reply ran with ").Append(E(own.Slug)).Append(", revision ").Append(own.Revision.ToString(Invariant))
                .Append(", ").Append(E(own.Model.Id)).Append(" (prompt <code>").Append(E(Short(own.PromptHash))).Append("</code>).</p>\n");
        h.Append("</li>\n");
    }

    public static string Speaker(ChatThread thread, ChatMessageRow m) =>
        m.Role == ChatRole.User ? m.AuthorName : AssistantSpeaker(thread.ProvenanceOf(m).Model.Id);

    public static string AssistantSpeaker(string modelId) => $"{modelId} (assistant)";

    /// <summary>Markdown to HTML through the inert renderer; text too complex to parse in time shows as plain text.</summary>
    public static string MessageHtml(string text)
    {
        if (text.Length == 0) return "";
        try
        {
            return MarkdownRenderer.RenderHtml(text);
        }
        catch (MarkdownTooComplexException)
        {
            return $"<pre class=\"share-plain\">{E(text)}</pre>";
        }
    }

    private static void Provenance(StringBuilder h, ChatThread thread)
    {
        var p = thread.Provenance;
        var s = p.Sampling;
        h.Append("<section class=\"share-provenance\" aria-labelledby=\"provenance\">\n<h2 id=\"provenance\">Where this came from</h2>\n<dl>\n")
            .Append("<dt>Constitution</dt><dd><a href=\"/c/").Append(Uri.EscapeDataString(p.Slug)).Append("/r/").Append(p.Revision.ToString(Invariant))
            .Append("\">").Append(E(p.Slug)).Append("</a>, revision ").Append(p.Revision.ToString(Invariant)).Append("</dd>\n")
            .Append("<dt>Variants</dt><dd>").Append(p.Recipe.Count == 0 ? "defaults" :
                E(string.Join(", ", p.Recipe.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} → {(c.Value == "-" ? "left out" : c.Value)}"))))
            .Append("</dd>\n<dt>System prompt</dt><dd><code>").Append(E(p.PromptHash)).Append("</code>")
            .Append(thread.SystemPromptHidden ? " (text hidden)" : "").Append("</dd>\n")
            .Append("<dt>Model</dt><dd>").Append(E(p.Model.Id)).Append(" on ").Append(E(p.Model.ExecutionProvider))
            .Append(", weights <code>").Append(E(Short(p.Model.FileSha256))).Append("</code></dd>\n")
            .Append("<dt>Sampling</dt><dd>").Append(E(string.Create(Invariant,
                $"temperature {s.Temperature}, top-k {s.TopK}, top-p {s.TopP}, min-p {s.MinP}, repetition penalty {s.RepetitionPenalty}, max {s.MaxNewTokens} new tokens, seed {s.Seed?.ToString(Invariant) ?? "per reply"}")))
            .Append("</dd>\n</dl>\n</section>\n");
    }

    private static string Stats(ChatMessageRow m, SamplingRecord sampling)
    {
        var parts = new List<string>();
        if (m.FinishReason is { } f) parts.Add(f == "stop" ? "finished" : $"finished: {f}");
        parts.Add(string.Create(Invariant, $"{m.CompletionTokens} tokens"));
        if (m.TokensPerSecond is { } tps and > 0) parts.Add(string.Create(Invariant, $"{tps:0.0} tokens/s"));
        if (m.Error is { } error) parts.Add(error);
        // The seed this reply was sampled with, so a reader can reproduce it (see ReplySeed).
        if (sampling.Temperature > 0) parts.Add(string.Create(Invariant, $"seed {ReplySeed.For(sampling, m.Id)}"));
        return string.Join(" · ", parts);
    }

    private static string Description(ChatThread thread)
    {
        var first = thread.Branch.FirstOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        first = string.Join(' ', first.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (first.Length > 160) first = first[..157] + "…";
        var p = thread.Provenance;
        return first.Length == 0
            ? $"A chat testing {p.Slug} (revision {p.Revision}) with {p.Model.Id}."
            : $"“{first}” — a chat testing {p.Slug} (revision {p.Revision}) with {p.Model.Id}.";
    }

    private static string Short(string hash) => hash.Length > 19 ? hash[..19] + "…" : hash;

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
