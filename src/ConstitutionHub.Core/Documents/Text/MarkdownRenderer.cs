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
    public static string RenderHtml(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var pipeline = MarkdownPipelines.Shared;
        var document = Markdown.Parse(TextLines.NormaliseLineEndings(markdown), pipeline);
        UrlSanitizer.Sanitize(document);
        VariantHtmlRenderer.PutDefaultsFirst(document);

        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        pipeline.Setup(renderer);
        renderer.ObjectRenderers.ReplaceOrAdd<HtmlCustomContainerRenderer>(new VariantHtmlRenderer());
        // Second line of defence: Markdig passes every URL it writes (links, images, autolinks, also those an
        // extension creates after our walk) through this hook.
        renderer.LinkRewriter = url => UrlPolicy.IsAllowedLink(url) ? url : "#";
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }
}
