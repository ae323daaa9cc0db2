using System.Text;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents;
using ConstitutionHub.Core.Documents.Text;
using ConstitutionHub.Core.People;
using ConstitutionHub.Web.Features.Accounts;
using Microsoft.Extensions.Caching.Memory;

namespace ConstitutionHub.Web.Features.Chats;

/// <summary>A chat as a viewer may see it, with what they may do; null from the loader means "answer 404".</summary>
public sealed record LoadedChat(ChatRow Chat, ConstitutionRow? Constitution, Actor? Viewer)
{
    public bool CanWrite => ChatAccess.CanWrite(Chat, Viewer);
}

/// <summary>The server-side read check every chat page and export goes through.</summary>
public sealed class ChatAccessLoader(ChatQueries chats, ConstitutionQueries constitutions)
{
    public async Task<LoadedChat?> LoadAsync(Guid chatId, Actor? viewer, CancellationToken ct = default)
    {
        var chat = await chats.ChatAsync(chatId, ct);
        if (chat is null) return null;
        var constitution = await constitutions.BySlugAsync(chat.Slug, ct);
        if (constitution is not null && constitution.Id != chat.ConstitutionId) constitution = null;
        return ChatAccess.CanRead(chat, constitution, viewer) ? new LoadedChat(chat, constitution, viewer) : null;
    }
}

public static class ChatEndpoints
{
    /// <summary>Transcripts for anyone who may read the chat (the same rule as its page): Markdown of the viewed
    /// branch, JSON of the whole tree, JSONL with one line per answered branch. <c>?leaf=</c> picks the branch.</summary>
    public static IEndpointRouteBuilder MapChatEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/chats/{id:guid}/export.md", (Guid id, Guid? leaf, HttpContext context, ChatAccessLoader loader, ChatQueries queries) =>
            ExportAsync(id, leaf, context, loader, queries, ChatExport.Markdown, "text/markdown; charset=utf-8", "md"));
        app.MapGet("/chats/{id:guid}/export.json", (Guid id, Guid? leaf, HttpContext context, ChatAccessLoader loader, ChatQueries queries) =>
            ExportAsync(id, leaf, context, loader, queries, ChatExport.Json, "application/json; charset=utf-8", "json"));
        app.MapGet("/chats/{id:guid}/export.jsonl", (Guid id, Guid? leaf, HttpContext context, ChatAccessLoader loader, ChatQueries queries) =>
            ExportAsync(id, leaf, context, loader, queries, ChatExport.Jsonl, "application/x-ndjson; charset=utf-8", "jsonl"));
        return app;
    }

    private static async Task<IResult> ExportAsync(Guid id, Guid? leaf, HttpContext context, ChatAccessLoader loader, ChatQueries queries,
        Func<ChatThread, string> format, string contentType, string extension)
    {
        var viewer = AccountsSetup.ToActor(context.User);
        if (await loader.LoadAsync(id, viewer, context.RequestAborted) is null) return Results.NotFound();
        var thread = await queries.ThreadAsync(id, leaf, context.RequestAborted);
        if (thread is null) return Results.NotFound();
        context.Response.Headers.ContentDisposition = $"inline; filename=\"chat-{id:N}.{extension}\"";
        // A streaming reply changes every few hundred milliseconds: never serve a stale copy from a cache.
        context.Response.Headers.CacheControl = "no-store";
        return Results.Text(format(thread), contentType, Encoding.UTF8);
    }
}

/// <summary>
/// Rendered HTML of message texts, shared by every circuit: while a reply streams, each batch is rendered once
/// for all its viewers, not once per viewer. Keyed on the text length, since a reply only ever grows.
/// </summary>
public sealed class ChatMarkdown(IMemoryCache cache)
{
    public string Html(Guid messageId, string text) =>
        cache.GetOrCreate(("chat-html", messageId, text.Length), entry =>
        {
            entry.SlidingExpiration = TimeSpan.FromMinutes(5);
            return Inert(text);
        })!;

    /// <summary>Model output as inert HTML, through the documents' pipeline (raw HTML encoded, links made safe).</summary>
    public static string Inert(string text)
    {
        try
        {
            return MarkdownRenderer.RenderHtml(text);
        }
        catch (MarkdownTooComplexException)
        {
            // Model output is not validated like a saved document: show it as plain text rather than fail.
            return $"<pre class=\"chat-plain\">{System.Net.WebUtility.HtmlEncode(text)}</pre>";
        }
    }
}
