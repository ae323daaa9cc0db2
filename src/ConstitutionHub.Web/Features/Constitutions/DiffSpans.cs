using ConstitutionHub.Core.Documents.Text;
using Microsoft.AspNetCore.Components;

namespace ConstitutionHub.Web.Features.Constitutions;

/// <summary>How a diff span is shown, wherever a diff is: removed words in &lt;del&gt;, added in &lt;ins&gt;, always as
/// text, so a span that holds markup stays inert.</summary>
public static class DiffSpans
{
    public static RenderFragment Render(DiffSpan span) => builder =>
    {
        var tag = span.Kind switch { DiffSpanKind.Added => "ins", DiffSpanKind.Removed => "del", _ => null };
        if (tag is null) { builder.AddContent(0, span.Text); return; }
        builder.OpenElement(1, tag);
        builder.AddAttribute(2, "class", "word");
        builder.AddContent(3, span.Text);
        builder.CloseElement();
    };
}
