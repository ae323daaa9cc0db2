using Markdig.Extensions.CustomContainers;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;

namespace ConstitutionHub.Core.Documents.Text;

/// <summary>
/// Renders <c>:::variant NAME</c> blocks as labelled sections, the default variant first and marked:
/// <c>&lt;section class="variant variant-default" data-variant="default" data-default="true"&gt;&lt;header&gt;Variant: default ...</c>.
/// Any other <c>:::</c> block becomes a plain <c>&lt;div class="custom-block"&gt;</c>: its info word is not
/// copied into a class attribute, so authors cannot borrow the site's CSS classes (hidden, modal, ...).
/// </summary>
internal sealed class VariantHtmlRenderer : HtmlObjectRenderer<CustomContainer>
{
    private static readonly object DefaultMarker = new();

    protected override void Write(HtmlRenderer renderer, CustomContainer container)
    {
        renderer.EnsureLine();
        if (container.Info != VariantSyntax.Keyword)
        {
            renderer.WriteLine("<div class=\"custom-block\">");
            renderer.WriteChildren(container);
            renderer.EnsureLine().WriteLine("</div>");
            return;
        }

        var name = (container.Arguments ?? "").Trim();
        var isDefault = container.GetData(DefaultMarker) is true;
        renderer.Write(isDefault ? "<section class=\"variant variant-default\"" : "<section class=\"variant\"");
        renderer.Write(" data-variant=\"").WriteEscape(name).Write('"');
        if (isDefault) renderer.Write(" data-default=\"true\"");
        renderer.WriteLine(">");
        renderer.Write("<header>Variant: ").WriteEscape(name);
        if (isDefault && name != VariantSyntax.DefaultName) renderer.Write(" (default)");
        renderer.WriteLine("</header>");
        renderer.WriteChildren(container);
        renderer.EnsureLine().WriteLine("</section>");
    }

    /// <summary>
    /// Within each section, moves the default variant in front of the other variants and marks it, so a reader
    /// sees first what a recipe gets when it chooses nothing.
    /// </summary>
    public static void PutDefaultsFirst(MarkdownDocument document)
    {
        var group = new List<CustomContainer>();
        foreach (var block in document.ToList())
        {
            if (block is HeadingBlock)
            {
                Arrange(document, group);
                group.Clear();
            }
            else if (block is CustomContainer { Info: VariantSyntax.Keyword } container)
            {
                group.Add(container);
            }
        }
        Arrange(document, group);
    }

    private static void Arrange(MarkdownDocument document, List<CustomContainer> variants)
    {
        if (variants.Count == 0) return;
        var names = variants.Select(v => (v.Arguments ?? "").Trim()).ToList();
        var defaultIndex = names.IndexOf(VariantSyntax.DefaultName);
        if (defaultIndex < 0) defaultIndex = 0;
        var chosen = variants[defaultIndex];
        chosen.SetData(DefaultMarker, true);
        if (defaultIndex == 0) return;
        document.Remove(chosen);
        document.Insert(document.IndexOf(variants[0]), chosen);
    }
}
