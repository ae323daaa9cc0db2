using Xunit.Abstractions;
using ConstitutionHub.Core.Annotations.Anchoring;

namespace ConstitutionHub.Core.Tests.Annotations;

/// <summary>
/// Runs the whole corpus and reports precision (of the anchors kept, the share on the right text) and recall (of the
/// cases whose text still exists, the share kept on it). Right text means: for unchanged text the exact range in the
/// section that holds it now; for reworded text a range overlapping the expected one by at least
/// <see cref="ChangedOverlap"/> (intersection over union), as the edges of a reworded phrase are a matter of taste.
/// </summary>
public sealed class ReanchoringCorpusTests(ITestOutputHelper output)
{
    private const double ChangedOverlap = 0.75;

    private enum Verdict { Right, Wrong, Missed, RightlyOrphaned }

    [Fact]
    public void The_corpus_has_at_least_200_cases_over_every_edit_family()
    {
        var cases = ReanchoringCorpus.Cases();
        output.WriteLine($"{cases.Count} cases, {cases.Select(c => c.Family).Distinct().Count()} families, {ReanchoringCorpus.Quotes.Count} quotes");
        Assert.True(cases.Count >= 200, $"only {cases.Count} cases");
        Assert.Contains(cases, c => c.Expected == Expected.Orphan);
        Assert.Contains(cases, c => c.Expected == Expected.Changed);
    }

    [Fact]
    public void Every_quote_occurs_once_in_the_baseline()
    {
        var text = ReanchoringCorpus.Baseline;
        foreach (var (_, quote) in ReanchoringCorpus.Quotes)
        {
            Assert.Equal(text.IndexOf(quote, StringComparison.Ordinal), text.LastIndexOf(quote, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Reanchoring_the_corpus_keeps_every_anchor_on_its_own_text_and_at_least_95_percent_of_them()
    {
        var verdicts = ReanchoringCorpus.Cases().Select(c => (Case: c, Verdict: Judge(c, out var detail), Detail: detail)).ToList();

        var right = verdicts.Count(v => v.Verdict == Verdict.Right);
        var wrong = verdicts.Count(v => v.Verdict == Verdict.Wrong);
        var missed = verdicts.Count(v => v.Verdict == Verdict.Missed);
        var precision = right / (double)Math.Max(1, right + wrong);
        var recall = right / (double)Math.Max(1, verdicts.Count(v => v.Case.Expected != Expected.Orphan));
        output.WriteLine($"cases {verdicts.Count}: right {right}, wrong {wrong}, missed {missed}, rightly orphaned " +
            $"{verdicts.Count(v => v.Verdict == Verdict.RightlyOrphaned)}");
        output.WriteLine($"precision {precision:P1}, recall {recall:P1}");
        foreach (var family in verdicts.GroupBy(v => v.Case.Family))
        {
            output.WriteLine($"  {family.Key}: {family.Count(v => v.Verdict is Verdict.Right or Verdict.RightlyOrphaned)}/{family.Count()}");
        }
        foreach (var v in verdicts.Where(v => v.Verdict is Verdict.Wrong or Verdict.Missed))
        {
            output.WriteLine($"{v.Verdict}: {v.Case} -> {v.Detail}");
        }
        Assert.Equal(0, wrong);
        Assert.True(recall >= 0.95, $"recall {recall:P1}");
    }

    private static Verdict Judge(AnchoringCase c, out string detail)
    {
        var next = 0;
        string NewId() => $"s{++next}";
        var old = MarkedRevision.Of(c.OldMarked, [], NewId);
        var @new = MarkedRevision.Of(c.NewMarked, old.Sections, NewId);
        var result = Reanchoring.All(old.Document, @new.Document, [old.Marked!]).Single();
        detail = result.Anchor is null ? "orphan" : $"{result.Outcome} by {result.Method} in {result.Anchor.SectionId}: \"{result.Anchor.Exact}\"";

        if (c.Expected == Expected.Orphan) return result.IsOrphan ? Verdict.RightlyOrphaned : Verdict.Wrong;
        if (result.Anchor is null) return Verdict.Missed;
        var expected = @new.Marked!;
        detail += $" (expected {expected.SectionId}: \"{expected.Exact}\")";
        if (result.Anchor.SectionId != expected.SectionId) return Verdict.Wrong;
        if (c.Expected == Expected.Same)
            return result.Anchor.Start == expected.Start && result.Anchor.End == expected.End ? Verdict.Right : Verdict.Wrong;
        var overlap = Math.Min(result.Anchor.End, expected.End) - Math.Max(result.Anchor.Start, expected.Start);
        var union = Math.Max(result.Anchor.End, expected.End) - Math.Min(result.Anchor.Start, expected.Start);
        return overlap / (double)union >= ChangedOverlap ? Verdict.Right : Verdict.Wrong;
    }
}
