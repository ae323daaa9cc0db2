using Markdig;
using Markdig.Extensions.CustomContainers;
using Markdig.Renderers;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>Turns a document into HTML that is safe to put into a page as is.</summary>
public static class MarkdownRenderer
{
    /// <summary>
    /// Renders with raw HTML disabled (tags show as text), every link and image URL checked against
    /// <see cref="UrlPolicy"/>, external links marked rel="nofollow ugc noopener", and variant blocks shown as
    /// labelled sections with the default variant first.
    /// </summary>
    /// <exception cref="MarkdownTooComplexException">The document would take too long to parse or nests too deeply;
    /// <see cref="VariantValidator.Validate(string)"/> reports the same on save, so stored documents do not throw.</exception>
    public static string RenderHtml(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var pipeline = MarkdownPipelines.Shared;
        var document = MarkdownLimits.Parse(TextLines.NormaliseLineEndings(markdown));
        UrlSanitizer.Sanitize(document);
        VariantHtmlRenderer.PutDefaultsFirst(document);

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        pipeline.Setup(renderer);
        renderer.ObjectRenderers.ReplaceOrAdd<HtmlCustomContainerRenderer>(new VariantHtmlRenderer());
        // Second line of defence: Markdig passes every URL it writes (links, images, autolinks, also those an
        // extension creates after our walk) through this hook.
        renderer.LinkRewriter = url => UrlPolicy.IsAllowedLink(url) ? url : "#";
        try
        {
            renderer.Render(document);
        }
        catch (ArgumentException error)
        {
            throw MarkdownLimits.TooDeep(error);
        }
        writer.Flush();
        return writer.ToString();
    }
}
