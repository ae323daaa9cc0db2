using System.Globalization;
using System.Net;
using System.Text;
using ConstitutionHub.Core.Experiments;

namespace ConstitutionHub.Web.Features.Experiments;

/// <summary>
/// The run page's charts as SVG, drawn once here for the page and the download endpoint alike, so a download is
/// exactly what is shown. Labels are cut, then XML-escaped (cutting escaped text could split an entity).
/// </summary>
public static class ExperimentCharts
{
    private const int Width = 560, Left = 90, RowHeight = 28, LabelLength = 14;

    /// <summary>Horizontal bars: each arm's rating with its interval as an error bar, on a shared scale.</summary>
    public static string Ratings(Ratings ratings, bool hideArms)
    {
        var rows = ratings.Leaderboard;
        double lo = rows.Min(r => r.Rating.RatingLower) - 20, hi = rows.Max(r => r.Rating.RatingUpper) + 20;
        var labels = rows.Select(r => hideArms ? r.Letter : $"{r.Letter} {r.Label}").ToList();
        return Chart("Ratings with 95% intervals", labels, rows.Select(r => (r.Rating.Rating, r.Rating.RatingLower, r.Rating.RatingUpper)).ToList(),
            lo, hi, "0", reference: null);
    }

    /// <summary>Each section variant's effect on the win rate in points, with its interval, around a line at no effect.</summary>
    public static string Effects(Ratings ratings)
    {
        var effects = ratings.Effects;
        var lo = Math.Min(effects.Min(e => e.PointsLower), 0) - 5;
        var hi = Math.Max(effects.Max(e => e.PointsUpper), 0) + 5;
        var labels = effects.Select(e => $"{e.Heading}={e.Variant}").ToList();
        return Chart("Effects of section variants on the win rate, in points, with 95% intervals", labels,
            effects.Select(e => (e.Points, e.PointsLower, e.PointsUpper)).ToList(), lo, hi, "+0;-0;0", reference: 0);
    }

    private static string Chart(string title, IReadOnlyList<string> labels, IReadOnlyList<(double Value, double Lower, double Upper)> rows,
        double lo, double hi, string format, double? reference)
    {
        double X(double v) => Left + (v - lo) / (hi - lo) * (Width - Left - 20);
        var height = rows.Count * RowHeight + 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" role=\"img\" aria-label=\"{title}\" font-family=\"sans-serif\" font-size=\"12\">");
        // An opaque background, so the PNG reads on any viewer's background.
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"#ffffff\"/>");
        if (reference is { } r0)
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(r0):0.#}\" x2=\"{X(r0):0.#}\" y1=\"0\" y2=\"{rows.Count * RowHeight}\" stroke=\"#ccc\" stroke-dasharray=\"4 3\"/>");
        for (var i = 0; i < rows.Count; i++)
        {
            var (value, lower, upper) = rows[i];
            var y = i * RowHeight + 14;
            var label = WebUtility.HtmlEncode(labels[i].Length > LabelLength ? labels[i][..LabelLength] : labels[i]);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"4\" y=\"{y + 4}\">{label}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{X(lower):0.#}\" x2=\"{X(upper):0.#}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#888\" stroke-width=\"2\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(value):0.#}\" cy=\"{y}\" r=\"5\" fill=\"#3f51b5\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(value) + 8:0.#}\" y=\"{y - 6}\">{value.ToString(format, CultureInfo.InvariantCulture)}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{Left}\" y=\"{rows.Count * RowHeight + 24}\">{lo.ToString(format, CultureInfo.InvariantCulture)}</text><text x=\"{Width - 50}\" y=\"{rows.Count * RowHeight + 24}\">{hi.ToString(format, CultureInfo.InvariantCulture)}</text></svg>");
        return svg.ToString();
    }
}
