using System.Globalization;
using System.Net;
using System.Text;
using ConstitutionHub.Core.Experiments;
using ConstitutionHub.Core.PromptSets;
using ConstitutionHub.Core.Sharing;
using ConstitutionHub.Web.Features.Experiments;

namespace ConstitutionHub.Web.Features.Sharing;

/// <summary>
/// An experiment's public share page, plain HTML like the chat's (<see cref="ShareHtml"/>): no script, no circuit, no
/// inline style. Every text from the experiment is HTML-encoded here; outputs show as text, so markup in them stays
/// inert. The charts are the run page's SVG (<see cref="ExperimentCharts"/>), which escapes its own labels.
/// </summary>
public static class ExperimentShareHtml
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <param name="baseUrl">scheme://host of this request, for the absolute URLs link previews need.</param>
    public static string Page(SharedExperiment shared, string token, string baseUrl)
    {
        var experiment = shared.Experiment;
        var live = shared.Share.Mode == ShareMode.Live;
        var ratings = shared.Judge ?? shared.People?.Ratings;
        var title = experiment.Name;
        var description = Description(shared);
        var url = $"{baseUrl}/s/{token}";
        var h = new StringBuilder(32_768);
        // The preview image is the ratings chart, drawn once something is rated.
        ShareHtml.Head(h, title, "experiment", description, url, preview: null, image: ratings is { Votes: > 0 });


        h.Append("<main class=\"share share-wide\" data-share-experiment>\n<header class=\"share-head\">\n<p class=\"share-kicker\">")
            .Append(ShareHtml.Kicker(live, "experiment")).Append("</p>\n")
            .Append("<h1 class=\"share-title\">").Append(E(title)).Append("</h1>\n")
            .Append("<p class=\"share-meta\">By ").Append(E(experiment.OwnerName)).Append(" · prompt set <strong>").Append(E(shared.PromptSetName))
            .Append("</strong>, version ").Append(experiment.Definition.PromptSetVersion.ToString(Invariant)).Append(" (")
            .Append(shared.ItemCount.ToString(Invariant)).Append(" items, ").Append(experiment.Definition.Samples.ToString(Invariant))
            .Append(experiment.Definition.Samples == 1 ? " sample" : " samples").Append(" each) · ")
            .Append(shared.OutputCount.ToString(Invariant)).Append(" outputs · <time datetime=\"").Append(experiment.Created.ToString("O", Invariant))
            .Append("\">").Append(experiment.Created.ToString("d MMMM yyyy", Invariant)).Append("</time></p>\n");
        h.Append("<p class=\"share-live-status\">")
            .Append(shared.Share.SnapshotAt is { } at
                ? $"Frozen at the moment it was shared ({at.UtcDateTime.ToString("d MMMM yyyy HH:mm", Invariant)} UTC): later outputs, verdicts and votes are not counted."
                : "Live: the results as they stand now; reload for the newest.")
            .Append("</p>\n</header>\n");

        Arms(h, shared);
        if (shared.Judge is { Votes: > 0 } judge) RatingsSection(h, judge, "Leaderboard (AI judge)", "leaderboard", shared.Bias, null);
        if (shared.People is { } people && people.Ratings.Votes > 0) RatingsSection(h, people.Ratings, "Leaderboard (people's blind votes)", "human-leaderboard", null, people);
        if (ratings is not { Votes: > 0 }) h.Append("<p class=\"share-muted\" data-testid=\"no-ratings\">Nothing has been rated yet.</p>\n");
        Outputs(h, shared, token);

        h.Append("<footer class=\"share-foot\">Shared from <a href=\"/\">ConstitutionHub</a>, where constitutions for language models are written and tested together.")
            .Append(shared.Share.Expires is { } exp ? $" This link works until {exp.UtcDateTime.ToString("d MMMM yyyy HH:mm", Invariant)} UTC." : "")
            .Append("</footer>\n</main>\n</body>\n</html>\n");
        return h.ToString();
    }

    /// <summary>The arms, named as far as the link allows (<see cref="SharedArm"/>).</summary>
    private static void Arms(StringBuilder h, SharedExperiment shared)
    {
        h.Append("<section class=\"share-section\" aria-labelledby=\"arms\">\n<h2 id=\"arms\">Arms</h2>\n<ul class=\"share-arms\">\n");
        foreach (var a in shared.Arms)
        {
            h.Append("<li data-arm=\"").Append(E(a.Arm.Letter)).Append("\"><strong>").Append(E(a.Arm.Letter)).Append("</strong>: ").Append(E(a.Arm.Label))
                .Append(" <span class=\"share-muted\">");
            var rev = a.Arm.Revision.ToString(Invariant);
            if (a.Constitution is { } slug && a.Readable)
                h.Append("<a href=\"/c/").Append(Uri.EscapeDataString(slug)).Append("/r/").Append(rev).Append("\">").Append(E(slug)).Append(", revision ").Append(rev).Append("</a>");
            else if (a.Constitution is { } named) h.Append(E(named)).Append(", revision ").Append(rev);
            else h.Append("a constitution that is not public");
            if (a.Arm.Model is { } model) h.Append(" · ").Append(E(model));
            h.Append("</span>");
            if (a.Prompt is { } prompt)
                h.Append("\n<details class=\"share-prompt\"><summary>System prompt of ").Append(E(a.Arm.Letter)).Append("</summary>\n<pre class=\"share-prompt-text\">")
                    .Append(E(prompt)).Append("</pre></details>");
            h.Append("</li>\n");
        }
        h.Append("</ul>\n</section>\n");
    }

    /// <summary>A leaderboard with intervals, its chart, the win-rate matrix and the section effects of one source of votes.</summary>
    private static void RatingsSection(StringBuilder h, Ratings ratings, string heading, string testId, PositionBias? bias, HumanResults? people)
    {
        h.Append("<section class=\"share-section\" aria-labelledby=\"").Append(testId).Append("\" data-testid=\"").Append(testId).Append("\">\n<h2 id=\"")
            .Append(testId).Append("\">").Append(E(heading)).Append(Invariant, $" <span class=\"share-muted\">{ratings.Votes} {(people is null ? "verdicts" : "votes")}</span></h2>\n")
            .Append("<table class=\"share-table\">\n<thead><tr><th scope=\"col\">#</th><th scope=\"col\">Arm</th><th scope=\"col\">Rating</th><th scope=\"col\">95% interval</th>")
            .Append("<th scope=\"col\">Win rate</th><th scope=\"col\">Comparisons</th></tr></thead>\n<tbody>\n");
        foreach (var (row, i) in ratings.Leaderboard.Select((r, i) => (r, i)))
            h.Append(Invariant, $"<tr><td>{i + 1}</td><td><strong>{E(row.Letter)}</strong> {E(row.Label)}</td><td>{row.Rating.Rating:0}</td>")
                .Append(Invariant, $"<td>{row.Rating.RatingLower:0} to {row.Rating.RatingUpper:0}</td><td>{Percent(row.WinRate)}</td><td>{row.Comparisons}</td></tr>\n");
        h.Append("</tbody>\n</table>\n<div class=\"share-chart\">").Append(ExperimentCharts.Ratings(ratings, hideArms: false)).Append("</div>\n");

        // Row arm against column arm: the share of their comparisons the row arm won (ties half).
        h.Append("<h3>Win rates</h3>\n<table class=\"share-table share-matrix\">\n<thead><tr><th scope=\"col\">row beats column</th>");
        foreach (var l in ratings.Letters) h.Append("<th scope=\"col\">").Append(E(l)).Append("</th>");
        h.Append("</tr></thead>\n<tbody>\n");
        for (var r = 0; r < ratings.Letters.Count; r++)
        {
            h.Append("<tr><th scope=\"row\">").Append(E(ratings.Letters[r])).Append("</th>");
            for (var c = 0; c < ratings.Letters.Count; c++) h.Append("<td>").Append(r == c ? "–" : Percent(ratings.WinRates[r, c])).Append("</td>");
            h.Append("</tr>\n");
        }
        h.Append("</tbody>\n</table>\n");

        if (bias is not null)
            h.Append(Invariant, $"<p class=\"share-muted\">Position bias: the judge picked the output shown first in {Percent(bias.FirstShare)} of its {bias.Decisive} decisive single-order verdicts (50% is none); its two orders disagreed on {bias.Disagreements} of {bias.Pairs} pairs, counted as ties.</p>\n");
        if (people is not null)
            h.Append(Invariant, $"<p class=\"share-muted\">{people.BothBad} “both bad” votes left out. Judge and people's majority agree on {Percent(people.Judge.Share)} of {people.Judge.Pairs} pairs; people agree with each other on {Percent(people.Voters.Share)} of {people.Voters.VoterPairs} pairs of votes.</p>\n");
        if (ratings.Effects.Count > 0)
        {
            h.Append("<h3>Effects per section variant</h3>\n<ul class=\"share-effects\">\n");
            foreach (var e in ratings.Effects) h.Append("<li>").Append(E(e.SentenceFor(ratings.Source))).Append("</li>\n");
            h.Append("</ul>\n<div class=\"share-chart\">").Append(ExperimentCharts.Effects(ratings)).Append("</div>\n");
        }
        h.Append("</section>\n");
    }

    /// <summary>One page of items: each prompt, then its outputs side by side, then the judge's verdicts on them.</summary>
    private static void Outputs(StringBuilder h, SharedExperiment shared, string token)
    {
        h.Append("<section class=\"share-section\" aria-labelledby=\"outputs\" data-testid=\"outputs\">\n<h2 id=\"outputs\">Outputs side by side</h2>\n");
        foreach (var item in shared.Items) Item(h, shared, item);
        if (shared.Items.Count == 0) h.Append("<p class=\"share-muted\">The prompt set has no items.</p>\n");
        if (shared.Pages > 1)
        {
            h.Append("<nav class=\"share-pager\" aria-label=\"Pages of items\">");
            if (shared.Page > 1) h.Append(Invariant, $"<a class=\"hub-btn\" href=\"/s/{E(token)}?page={shared.Page - 1}\" rel=\"prev\">Previous</a> ");
            h.Append(Invariant, $"<span>Items page {shared.Page} of {shared.Pages}</span>");
            if (shared.Page < shared.Pages) h.Append(Invariant, $" <a class=\"hub-btn\" href=\"/s/{E(token)}?page={shared.Page + 1}\" rel=\"next\">Next</a>");
            h.Append("</nav>\n");
        }
        h.Append("</section>\n");
    }

    private static void Item(StringBuilder h, SharedExperiment shared, PromptItem item)
    {
        h.Append("<article class=\"share-item\" data-item=\"").Append(E(item.Id)).Append("\">\n<h3>").Append(E(item.Id)).Append("</h3>\n");
        foreach (var turn in item.Turns)
            h.Append("<p class=\"share-turn\"><span class=\"share-muted\">").Append(E(turn.Role)).Append(":</span> ").Append(E(turn.Content)).Append("</p>\n");
        foreach (var sample in shared.Outputs.Where(o => o.ItemId == item.Id).GroupBy(o => o.Sample).OrderBy(g => g.Key))
        {
            if (shared.Experiment.Definition.Samples > 1) h.Append(Invariant, $"<p class=\"share-muted\">Sample {sample.Key}</p>\n");
            h.Append("<div class=\"share-outputs\">\n");
            foreach (var o in sample.OrderBy(o => o.Arm, StringComparer.Ordinal))
                h.Append("<div class=\"share-output\" data-arm=\"").Append(E(o.Arm)).Append("\"><div class=\"share-speaker\">").Append(E(o.Arm)).Append(": ")
                    .Append(E(Label(shared, o.Arm))).Append("</div>\n<p class=\"share-plain\">").Append(E(o.Output)).Append("</p></div>\n");
            h.Append("</div>\n");
            foreach (var j in shared.Judgments.Where(j => j.ItemId == item.Id && j.Sample == sample.Key))
                h.Append("<p class=\"share-note\">Judge, ").Append(E(j.ArmA)).Append(" vs ").Append(E(j.ArmB)).Append(": ")
                    .Append(j.Verdict == "tie" ? "tie" : $"{E(j.Verdict)} better").Append(" (orders: ").Append(E(j.FirstOrder)).Append(", ").Append(E(j.SecondOrder)).Append(")</p>\n");
        }
        if (!shared.Outputs.Any(o => o.ItemId == item.Id)) h.Append("<p class=\"share-muted\">No output for this item.</p>\n");
        h.Append("</article>\n");
    }

    private static string Label(SharedExperiment shared, string letter) =>
        shared.Experiment.Definition.Arms.FirstOrDefault(a => a.Letter == letter)?.Label ?? letter;

    private static string Description(SharedExperiment shared)
    {
        var ratings = shared.Judge ?? shared.People?.Ratings;
        var arms = shared.Experiment.Definition.Arms.Count;
        if (ratings is not { Votes: > 0 } || ratings.Leaderboard.Count == 0)
            return $"An experiment comparing {arms} arms over {shared.ItemCount} prompts.";
        var top = ratings.Leaderboard[0];
        return $"{arms} arms over {shared.ItemCount} prompts; {top.Letter} ({top.Label}) leads with a rating of {top.Rating.Rating.ToString("0", Invariant)}.";
    }

    private static string Percent(double share) => double.IsNaN(share) ? "–" : share.ToString("P0", Invariant);

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
