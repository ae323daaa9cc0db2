using Markdig;
using Markdig.Extensions.AutoIdentifiers;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>
/// The one Markdig pipeline used for parsing and rendering, so that what the section parser calls a heading or a
/// variant block is exactly what the reader sees rendered.
/// </summary>
internal static class MarkdownPipelines
{
    /// <summary>
    /// Extensions are picked one by one instead of <c>UseAdvancedExtensions()</c>: that bundle includes generic
    /// attributes (<c>{onclick=...}</c> on any element), media links (iframes) and diagrams (client-side script
    /// input), none of which is safe for text written by the public.
    /// </summary>
    public static MarkdownPipeline Shared { get; } = new MarkdownPipelineBuilder()
        .UsePipeTables()
        .UseTaskLists()
        .UseAutoIdentifiers(AutoIdentifierOptions.GitHub)
        .UseFootnotes()
        .UseEmphasisExtras()
        .UseCustomContainers()
        .UseAutoLinks()
        .DisableHtml()
        .Build();
}
