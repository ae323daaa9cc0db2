using System.Net;
using System.Text;
using ConstitutionHub.Core.Chats;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Infrastructure;
using Microsoft.Extensions.Caching.Memory;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>
/// The link-preview image of a share: the title and the first turns, drawn as SVG and rasterised by
/// <see cref="SvgRaster"/>. One PNG per link and chat
/// version is cached, so a link pasted into a busy channel costs one conversion.
/// </summary>
public sealed class SharePreview(ILogger<SharePreview> logger, SvgRaster raster) : IDisposable
{
    public const int Width = 1200;
    public const int Height = 630;
    private const int MaxTurns = 3;
    private const string Font = "DejaVu Sans, Inter, sans-serif";

    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = 64 * 1024 * 1024 });
    // One conversion per key at a time: the second request for a preview waits and finds the first one's PNG.
    private readonly SemaphoreSlim conversions = new(2, 2);
    private byte[]? plain;

    public async Task<byte[]> PngAsync(SharedChat shared, CancellationToken ct)
    {
        var key = $"{shared.Share.ShareId:N}:{shared.Thread.Chat.StreamVersion}";
        if (cache.TryGetValue(key, out byte[]? png) && png is not null) return png;
        await conversions.WaitAsync(ct);
        try
        {
            if (cache.TryGetValue(key, out png) && png is not null) return png;
            png = await RasteriseOrPlainAsync(Svg(shared.Thread), ct);
            cache.Set(key, png, new MemoryCacheEntryOptions { Size = png.Length, SlidingExpiration = TimeSpan.FromHours(6) });
            return png;
        }
        finally
        {
            conversions.Release();
        }
    }

    public static string Svg(ChatThread thread)
    {
        var p = thread.Provenance;
        var s = new StringBuilder();
        s.Append($"""<svg xmlns="http://www.w3.org/2000/svg" width="{Width}" height="{Height}" viewBox="0 0 {Width} {Height}">""")
            .Append("""<rect width="100%" height="100%" fill="#f7f5f0"/><rect x="0" y="0" width="14" height="100%" fill="#3b5bdb"/>""")
            .Append($"""<text x="64" y="78" font-family="{Font}" font-size="24" fill="#5c5f66">ConstitutionHub · shared chat</text>""")
            .Append($"""<text x="64" y="130" font-family="{Font}" font-size="44" font-weight="bold" fill="#1a1b1e">{E(Clip(thread.Chat.Title, 44))}</text>""")
            .Append($"""<text x="64" y="172" font-family="{Font}" font-size="24" fill="#5c5f66">{E(Clip($"{p.Slug}, revision {p.Revision} · {p.Model.Id}", 70))}</text>""");
        var y = 232;
        foreach (var m in thread.Branch.Take(MaxTurns))
        {
            var user = m.Role == ChatRole.User;
            var lines = Wrap(m.Text, 78, user ? 2 : 3);
            var height = 44 + lines.Count * 30;
            if (y + height > Height - 24) break;
            s.Append($"""<rect x="64" y="{y}" width="{Width - 128}" height="{height}" rx="14" fill="{(user ? "#e7ecff" : "#ffffff")}" stroke="#dee2e6"/>""")
                .Append($"""<text x="88" y="{y + 30}" font-family="{Font}" font-size="20" font-weight="bold" fill="{(user ? "#3b5bdb" : "#2b8a3e")}">{E(user ? m.AuthorName : p.Model.Id)}</text>""");
            for (var i = 0; i < lines.Count; i++)
                s.Append($"""<text x="88" y="{y + 62 + i * 30}" font-family="{Font}" font-size="22" fill="#25262b">{E(lines[i])}</text>""");
            y += height + 16;
        }
        return s.Append("</svg>").ToString();
    }

    /// <summary>
    /// The chat's image, or when rsvg-convert refuses it the plain card without the chat's text. The plain card is
    /// cached under the chat's key like a real one, so a chat that breaks the converter costs one failed conversion,
    /// not one per request.
    /// </summary>
    private async Task<byte[]> RasteriseOrPlainAsync(string svg, CancellationToken ct)
    {
        try
        {
            return await RasteriseAsync(svg, ct);
        }
        catch (InvalidOperationException e)
        {
            logger.LogWarning("Share preview fell back to the plain card: {Reason}", e.Message);
            return plain ??= await RasteriseAsync(PlainSvg, ct);
        }
    }

    private const string PlainSvg =
        $"""<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="630" viewBox="0 0 1200 630"><rect width="100%" height="100%" fill="#f7f5f0"/><rect x="0" y="0" width="14" height="100%" fill="#3b5bdb"/><text x="64" y="130" font-family="{Font}" font-size="44" font-weight="bold" fill="#1a1b1e">ConstitutionHub · shared chat</text></svg>""";

    private Task<byte[]> RasteriseAsync(string svg, CancellationToken ct) => raster.PngAsync(svg, Width, Height, ct);

    private static List<string> Wrap(string text, int width, int maxLines)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in words)
        {
            var w = Clip(word, width);
            if (line.Length > 0 && line.Length + 1 + w.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
                if (lines.Count == maxLines) break;
            }
            if (line.Length > 0) line.Append(' ');
            line.Append(w);
        }
        if (lines.Count < maxLines && line.Length > 0) lines.Add(line.ToString());
        else if (lines.Count == maxLines && words.Length > 0) lines[^1] = Clip(lines[^1] + " …", width + 2);
        return lines;
    }

    private static string Clip(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    /// <summary>XML-escaped, with what XML 1.0 forbids dropped (rsvg-convert rejects the whole image for one): control
    /// characters, U+FFFE and U+FFFF, and lone surrogates (a message may hold one, and a clip may split a pair).
    /// The other non-characters (U+FDD0 to U+FDEF, U+nFFFE) are allowed by XML but drawn as nothing useful, so they go too.</summary>
    internal static string E(string text)
    {
        var kept = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsSurrogatePair(text, i))
            {
                var rune = new Rune(text[i], text[i + 1]);
                if (!IsNonCharacter(rune.Value)) kept.Append(text, i, 2);
                i++;
            }
            else if (!char.IsSurrogate(text[i]) && (text[i] is '\t' or '\n' or '\r' || (text[i] >= ' ' && !IsNonCharacter(text[i]))))
                kept.Append(text[i]);
        }
        return WebUtility.HtmlEncode(kept.ToString());
    }

    private static bool IsNonCharacter(int c) => c is >= 0xFDD0 and <= 0xFDEF || (c & 0xFFFE) == 0xFFFE || c is >= 0x7F and < 0xA0;

    public void Dispose()
    {
        cache.Dispose();
        conversions.Dispose();
    }
}
