using ConstitutionHub.Core.Annotations;
using MudBlazor;

namespace ConstitutionHub.Web.Features.Annotations;

/// <summary>How an anchor change reads wherever it is listed (the diff page, the Read page), and where its thread opens.</summary>
public static class AnchorChangeLabels
{
    public static string Permalink(string slug, int revision, Guid id) => $"/c/{slug}/r/{revision}?annotation={id}";

    public static string Label(AnchorChange change) => change switch
    {
        AnchorChange.Shifted => "shifted",
        AnchorChange.Moved => "moved to another section",
        AnchorChange.Changed => "text changed",
        AnchorChange.Orphaned => "orphaned",
        _ => "found again",
    };

    public static Color ChipColor(AnchorChange change) => change switch
    {
        AnchorChange.Orphaned => Color.Error,
        AnchorChange.Changed => Color.Warning,
        AnchorChange.Shifted => Color.Default,
        _ => Color.Info,
    };

    /// <summary>"2 orphaned, 1 shifted": the kinds a reader should check first, first.</summary>
    public static string Summary(IEnumerable<ReanchoredRow> rows) =>
        string.Join(", ", rows.GroupBy(r => r.Change).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {Label(g.Key)}"));
}
