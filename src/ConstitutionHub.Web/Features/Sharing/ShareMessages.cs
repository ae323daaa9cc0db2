using System.Globalization;
using System.Net;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Documents.Text;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>
/// How a shared chat's messages read, the same on the page (<see cref="SharedMessage"/>) and in the live updates
/// (<see cref="ShareChatFeed"/>, <see cref="ShareBroadcaster"/>): who speaks, the Markdown through the inert renderer,
/// and the line of figures under a reply.
/// </summary>
public static class ShareMessages
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Speaker(ChatThread thread, ChatMessageRow m) =>
        m.Role == ChatRole.User ? m.AuthorName : AssistantSpeaker(thread.ProvenanceOf(m).Model.Id);

    public static string AssistantSpeaker(string modelId) => $"{modelId} (assistant)";

    /// <summary>Markdown to HTML through the inert renderer; text too complex to parse in time shows as plain text.</summary>
    public static string Html(string text)
    {
        if (text.Length == 0) return "";
        try
        {
            return MarkdownRenderer.RenderHtml(text);
        }
        catch (MarkdownTooComplexException)
        {
            return $"<pre class=\"share-plain\">{WebUtility.HtmlEncode(text)}</pre>";
        }
    }

    /// <summary>How a reply finished, its length and speed, any error, and the seed it was sampled with.</summary>
    public static string Stats(ChatMessageRow m, SamplingRecord sampling)
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

    /// <summary>A hash cut to its first 19 characters, for a line of text.</summary>
    public static string Short(string hash) => hash.Length > 19 ? hash[..19] + "…" : hash;
}
